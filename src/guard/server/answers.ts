import { routingPolicy } from "../policies/routing.js";
import { type Rejection, rejection } from "../policy.js";

/** The guard's own refusals, beside the policies': made once, shared by every request. */

export const NOT_FOUND = rejection(routingPolicy, 404, "Not Found", "No such resource.");
export const HEADERS_TOO_MANY = rejection(
  { id: "header-limits", items: ["EXT-06"] },
  431,
  "Request Header Fields Too Large",
  "The request has more header fields than allowed.",
);
const UPSTREAM = { id: "upstream", items: [] };
export const BAD_GATEWAY = rejection(
  UPSTREAM,
  502,
  "Bad Gateway",
  "The upstream could not be reached.",
);
// A policy that fails (rather than refuses) fails closed.
export const POLICY_FAILED = rejection(
  { id: "policy-error", items: [] },
  503,
  "Service Unavailable",
  "A security check could not be completed.",
);
export const GATEWAY_TIMEOUT = rejection(
  UPSTREAM,
  504,
  "Gateway Timeout",
  "The upstream did not answer in time.",
);
export const UNINSPECTABLE = rejection(
  UPSTREAM,
  502,
  "Bad Gateway",
  "The upstream response could not be inspected (too large or compressed).",
);

/**
 * The answer to a method a path's routes do not declare: 405 with `Allow`.
 *
 * @example
 * ```ts
 * methodNotAllowed("GET, HEAD").headers; // { Allow: "GET, HEAD" }
 * ```
 */
export function methodNotAllowed(allow: string): Rejection {
  return rejection(routingPolicy, 405, "Method Not Allowed", `Allowed: ${allow}.`, {
    Allow: allow,
  });
}

const BANS = { id: "ban", items: ["MON-05"] as const };

/**
 * The answer to a banned client: 403 with the time left (RFC 9110 10.2.3).
 *
 * @example
 * ```ts
 * bannedRejection(60).headers; // { "Retry-After": "60" }
 * ```
 */
export function bannedRejection(seconds: number): Rejection {
  return rejection(
    { id: BANS.id, items: [...BANS.items] },
    403,
    "Forbidden",
    "This client is temporarily blocked.",
    { "Retry-After": String(seconds) },
  );
}
