import { Type } from "@sinclair/typebox";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { Bytes, policyOptions } from "../policy-options.js";
import { isJson } from "./json-body.js";

/** `policies.responseType` in the config: what can be set, and the defaults (the secure choice). */
export const responseTypeOptions = policyOptions(
  "responseType",
  Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
  {
    /** Response bodies up to this size are inspected when their type must be corrected. */
    maxBytes: 1024 * 1024,
  },
);

/** The lower-case media type of a Content-Type value, without parameters. */
export function mediaTypeOf(value: string | string[] | undefined): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return "";
  const semi = first.indexOf(";");
  return (semi === -1 ? first : first.slice(0, semi)).trim().toLowerCase();
}

/**
 * The declared Content-Type of a response must be one the route produces (OUT-05). A JSON
 * body declared as something else is relabelled with the route's JSON type (application/json
 * when it is one of them) when the route produces JSON; any
 * other mismatch becomes a 502 rather than content a browser might sniff and render.
 */
export const responseTypePolicy: GuardPolicy = {
  id: "response-content-type",
  options: responseTypeOptions,
  items: ["OUT-05"],
  title: "Responses carry a Content-Type the route produces and that matches the body",
  create(route) {
    const produces = new Set(route.produces.map((t) => t.toLowerCase()));
    produces.add("application/problem+json");
    // Problem documents are recognisable by their members; anything else JSON gets the route's
    // main JSON type.
    const jsonTypes = route.produces.filter((t) => isJson(t) && t !== "application/problem+json");
    const relabel = jsonTypes.includes("application/json") ? "application/json" : jsonTypes[0];
    const max = route.policies.responseType.maxBytes;
    const refused = rejection(
      responseTypePolicy,
      502,
      "Bad Gateway",
      "The upstream answered with a media type this route does not produce.",
    );
    return {
      onResponseHead(head) {
        if (head.status === 204 || head.status === 304 || head.headers["content-length"] === "0")
          return undefined;
        const declared = head.headers["content-type"];
        // The usual value is exactly one of the route's types: no parsing needed then.
        if (typeof declared === "string" && produces.has(declared)) return undefined;
        return produces.has(mediaTypeOf(declared)) ? undefined : max;
      },
      onResponseBody(body, head) {
        const declared = mediaTypeOf(head.headers["content-type"]);
        if (produces.has(declared) || body.length === 0) return undefined;
        if (relabel !== undefined && looksLikeJson(body)) {
          head.headers["content-type"] = relabel;
          return undefined;
        }
        return refused;
      },
    };
  },
};

function looksLikeJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}
