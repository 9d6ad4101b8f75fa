import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

/** `application/json` and every `+json` type (RFC 6839). */
export function isJson(mediaType: string): boolean {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/**
 * The nesting depth of a JSON text, scanned without parsing (strings skipped); stops early once
 * `limit` is passed.
 */
export function jsonDepth(body: Buffer, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** JSON bodies: nesting deeper than a limit is refused (EXT-06: parser exhaustion). */
export const jsonBodyPolicy: GuardPolicy = {
  id: "json-depth-limit",
  items: ["EXT-06"],
  title: "JSON request bodies nested deeper than the limit are refused",
  create(route) {
    if (!route.accepts.some(isJson)) return undefined;
    const max = route.policies.json.maxDepth;
    const refused = rejection(
      jsonBodyPolicy,
      400,
      "Bad Request",
      `JSON documents may not be nested deeper than ${max} levels.`,
    );
    return {
      wantsRequestBody: (ctx) => isJson(ctx.contentType),
      onRequestBody: (body) => (jsonDepth(body, max) > max ? refused : undefined),
    };
  },
};
