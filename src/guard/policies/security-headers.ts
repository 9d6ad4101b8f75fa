import { Type } from "@sinclair/typebox";
import { StringEnum } from "../../core/validate.js";
import type { GuardPolicy, ResponseHead } from "../policy.js";
import { policyOptions } from "../policy-options.js";

/** `policies.headers` in the config: what can be set, and the defaults (the secure choice). */
export const securityHeadersOptions = policyOptions(
  "headers",
  Type.Object(
    {
      hsts: Type.Optional(Type.String({ pattern: "^max-age=\\d+" })),
      csp: Type.Optional(Type.String({ minLength: 1 })),
      frameOptions: Type.Optional(StringEnum(["DENY", "SAMEORIGIN"] as const)),
      referrerPolicy: Type.Optional(Type.String({ minLength: 1 })),
      strip: Type.Optional(Type.Array(Type.String({ pattern: "^[A-Za-z0-9-]+$" }))),
    },
    { additionalProperties: false },
  ),
  {
    /** One year, subdomains included (RFC 6797); sent on HTTPS only. */
    hsts: "max-age=31536000; includeSubDomains",
    /** An API never renders: nothing may load, nothing may frame it. */
    csp: "default-src 'none'; frame-ancestors 'none'",
    /** Nobody frames an API response (clickjacking). */
    frameOptions: "DENY" as "DENY" | "SAMEORIGIN",
    /** URLs of API calls are not leaked to other sites. */
    referrerPolicy: "no-referrer",
    /** Response headers that reveal the stack (OUT-04), removed from every response. */
    strip: Object.freeze([
      "server",
      "x-powered-by",
      "x-aspnet-version",
      "x-aspnetmvc-version",
      "x-generator",
      "x-runtime",
      "x-version",
      "x-backend-server",
      "x-server",
      "x-drupal-cache",
      "x-drupal-dynamic-cache",
      "x-sourcefiles",
      "x-application-context",
      "x-turbo-charged-by",
      "x-envoy-upstream-service-time",
    ]) as readonly string[],
  },
);

/**
 * Response hardening: fingerprinting headers removed (OUT-04); nosniff, frame denial and a
 * deny-all CSP added (OUT-01..03); HSTS on HTTPS (ACC-03, RFC 6797 7.2: never over plain HTTP);
 * `Cache-Control: no-store` on non-public routes (EXT-03).
 */
export const securityHeadersPolicy: GuardPolicy = {
  id: "security-headers",
  options: securityHeadersOptions,
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
