import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

/** 415 when a request body's media type is not one the route accepts (IN-03). */
export const contentTypePolicy: GuardPolicy = {
  id: "content-type",
  items: ["IN-03"],
  title: "415 when a request body is not of a media type the route accepts",
  create(route) {
    const accepts = new Set(route.accepts.map((t) => t.toLowerCase()));
    const refused = rejection(
      contentTypePolicy,
      415,
      "Unsupported Media Type",
      accepts.size === 0
        ? "This route takes no request body."
        : `This route accepts ${[...accepts].join(", ")}.`,
      accepts.size === 0 ? undefined : { "Accept-Post": [...accepts].join(", ") },
    );
    return {
      onRequest: (ctx) => (ctx.hasBody && !accepts.has(ctx.contentType) ? refused : undefined),
    };
  },
};
