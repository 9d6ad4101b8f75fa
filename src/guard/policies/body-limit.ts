import type { GuardPolicy, Rejection } from "../policy.js";
import { rejection } from "../policy.js";

/** 413 when a request body is larger than the route allows (EXT-06). */
export const bodyLimitPolicy: GuardPolicy = {
  id: "body-limit",
  items: ["EXT-06"],
  title: "413 when a request body exceeds the route's limit, declared or streamed",
  create(route) {
    const limit = route.bodyLimit;
    const refused = bodyTooLarge(limit);
    return {
      onRequest(ctx) {
        const length = ctx.req.headers["content-length"];
        return length !== undefined && Number(length) > limit ? refused : undefined;
      },
    };
  },
};

/** The rejection for a body over `limit` bytes, also used when a streamed body overruns. */
export function bodyTooLarge(limit: number): Rejection {
  return rejection(
    bodyLimitPolicy,
    413,
    "Content Too Large",
    `The request body may not exceed ${limit} bytes.`,
  );
}
