import type { GuardPolicy, ResponseHead } from "../policy.js";

/**
 * Response hardening: fingerprinting headers removed (OUT-04); nosniff, frame denial and a
 * deny-all CSP added (OUT-01..03); HSTS on HTTPS (ACC-03, RFC 6797 7.2: never over plain HTTP);
 * `Cache-Control: no-store` on non-public routes (EXT-03).
 */
export const securityHeadersPolicy: GuardPolicy = {
  id: "security-headers",
  items: ["OUT-01", "OUT-02", "OUT-03", "OUT-04", "ACC-03", "EXT-03"],
  title: "Fingerprints stripped, security headers set, no-store on non-public responses",
  create(route) {
    const harden = createHardener(route.policies.headers, !route.public);
    return {
      onResponseHead(head, ctx) {
        harden(head.headers, ctx.secure);
        return undefined;
      },
    };
  },
};

export interface HeaderOptions {
  readonly hsts: string;
  readonly csp: string;
  readonly frameOptions: string;
  readonly referrerPolicy: string;
  readonly strip: readonly string[];
}

/**
 * Returns the function that hardens a response's headers in place; the guard applies it to its
 * own problem responses too.
 *
 * @example
 * ```ts
 * const harden = createHardener(GUARD_DEFAULTS.policies.headers, true);
 * harden(headers, true); // headers.server deleted, headers["x-content-type-options"] === "nosniff"
 * ```
 */
export function createHardener(
  options: HeaderOptions,
  noStore: boolean,
): (headers: ResponseHead["headers"], secure: boolean) => void {
  const { hsts, csp, frameOptions, referrerPolicy } = options;
  // Every field removed, by transport. One pass over the few fields a response has, rather than
  // one lookup per configured name (most of which a response never carries).
  const removed = options.strip.map((h) => h.toLowerCase());
  if (noStore) removed.push("expires", "pragma");
  const removedSecure = new Set(removed);
  const removedPlain = new Set([...removed, "strict-transport-security"]);
  return (headers, secure) => {
    const remove = secure ? removedSecure : removedPlain;
    for (const name in headers) if (remove.has(name)) delete headers[name];
    headers["x-content-type-options"] = "nosniff";
    headers["x-frame-options"] = frameOptions;
    headers["content-security-policy"] = csp;
    headers["referrer-policy"] = referrerPolicy;
    if (secure) headers["strict-transport-security"] = hsts;
    if (noStore) headers["cache-control"] = "no-store";
  };
}
