import type { ItemId } from "../src/catalog/ids.js";
import { RampartError } from "../src/core/errors.js";

/**
 * The demo API's flaws, one switch each. With a flaw on, the demo misbehaves the way real APIs
 * do; with it off, the same endpoint behaves correctly. Names are stable: tests, docs and scan
 * expectations refer to them.
 */
export const FLAWS = [
  // Transport and headers
  {
    id: "plain-http",
    items: ["ACC-02"],
    description: "with TLS on, the plain-HTTP port serves the API instead of redirecting to HTTPS",
  },
  {
    id: "weak-tls",
    items: ["ACC-02"],
    description: "TLS 1.0 / 1.1 and legacy cipher suites accepted",
  },
  {
    id: "no-hsts",
    items: ["ACC-03"],
    description: "no Strict-Transport-Security header on HTTPS responses",
  },
  {
    id: "directory-listing",
    items: ["ACC-04"],
    description: "/static/ answers with an index of its files",
  },
  {
    id: "missing-security-headers",
    items: ["OUT-01", "OUT-02", "OUT-03"],
    description: "no X-Content-Type-Options, X-Frame-Options or Content-Security-Policy",
  },
  {
    id: "fingerprint-headers",
    items: ["OUT-04"],
    description: "Server, X-Powered-By and X-AspNet-Version reveal the stack and its versions",
  },
  { id: "wrong-content-type", items: ["OUT-05"], description: "JSON bodies declared as text/html" },
  {
    id: "permissive-cors",
    items: ["EXT-01"],
    description: "any Origin (and null) reflected with credentials allowed",
  },
  {
    id: "insecure-cookie",
    items: ["EXT-02"],
    description: "the session cookie lacks Secure, HttpOnly and SameSite",
  },
  {
    id: "no-cache-control",
    items: ["EXT-03"],
    description: "authenticated responses carry no Cache-Control: no-store",
  },
  { id: "no-security-txt", items: ["EXT-04"], description: "no /.well-known/security.txt" },
  // Methods, negotiation, input
  {
    id: "any-method",
    items: ["IN-01"],
    description:
      "unsupported methods answered like GET, TRACE echoes the request, no 405 with Allow",
  },
  {
    id: "method-override",
    items: ["IN-01"],
    description: "X-HTTP-Method-Override and friends change the method",
  },
  {
    id: "no-406",
    items: ["IN-02"],
    description: "unsupported Accept values get JSON anyway instead of 406",
  },
  {
    id: "no-415",
    items: ["IN-03"],
    description: "request bodies of any Content-Type parsed as JSON instead of 415",
  },
  {
    id: "api-key-in-query",
    items: ["IN-05"],
    description: "API keys and tokens accepted in the query string",
  },
  {
    id: "sql-injection",
    items: ["IN-04"],
    description: "product search concatenates the query into SQL",
  },
  {
    id: "nosql-injection",
    items: ["IN-04"],
    description: 'login matches credentials with operator objects ({"$ne": null})',
  },
  {
    id: "reflected-xss",
    items: ["IN-04"],
    description: "the search page reflects the query unescaped into HTML",
  },
  {
    id: "unbounded-input",
    items: ["EXT-06"],
    description: "no request body limit, no cap on JSON nesting and no cap on page size",
  },
  {
    id: "mass-assignment",
    items: ["EXT-05"],
    description: "profile updates bind privileged fields such as role",
  },
  // Authentication and tokens
  {
    id: "basic-auth",
    items: ["AUTH-01"],
    description: "HTTP Basic credentials accepted and offered in WWW-Authenticate",
  },
  {
    id: "predictable-session-id",
    items: ["AUTH-02"],
    description: "session ids are sequential instead of random",
  },
  { id: "no-lockout", items: ["AUTH-03"], description: "unlimited failed logins per account" },
  {
    id: "weak-jwt-secret",
    items: ["JWT-01"],
    description: "HS256 access tokens signed with a well-known weak secret",
  },
  {
    id: "alg-none",
    items: ["JWT-02"],
    description: "unsigned tokens (alg none, any spelling) accepted",
  },
  {
    id: "alg-confusion",
    items: ["JWT-02"],
    description: "HS256 tokens signed with the published RSA public key accepted",
  },
  {
    id: "jwt-header-injection",
    items: ["JWT-02"],
    description: "keys named by the token itself (jwk, jku) trusted",
  },
  { id: "no-exp", items: ["JWT-03"], description: "access tokens carry no exp claim" },
  { id: "long-exp", items: ["JWT-03"], description: "access tokens live 30 days" },
  { id: "exp-not-checked", items: ["JWT-03"], description: "expired access tokens still accepted" },
  {
    id: "sensitive-claims",
    items: ["JWT-04"],
    description: "tokens carry the password hash, email and card number",
  },
  { id: "oversized-token", items: ["JWT-05"], description: "tokens padded beyond 8 KiB" },
  // Access
  {
    id: "no-rate-limit",
    items: ["ACC-01"],
    description: "no throttling: no 429, no RateLimit headers",
  },
  {
    id: "admin-exposed",
    items: ["ACC-05", "PROC-01"],
    description: "the admin area answers any caller",
  },
  // OAuth
  {
    id: "open-redirect-uri",
    items: ["OAUTH-01"],
    description: "redirect_uri matched by prefix, any host accepted",
  },
  {
    id: "implicit-flow",
    items: ["OAUTH-02"],
    description: "response_type=token issues tokens in the redirect",
  },
  {
    id: "pkce-optional",
    items: ["OAUTH-02"],
    description: "authorization codes issued without a PKCE challenge",
  },
  {
    id: "state-optional",
    items: ["OAUTH-03"],
    description: "authorization requests without state accepted",
  },
  {
    id: "scopes-not-validated",
    items: ["OAUTH-04"],
    description: "unknown and elevated scopes granted, no default scope",
  },
  // Processing
  {
    id: "unauthenticated-endpoint",
    items: ["PROC-01"],
    description: "the user directory answers without credentials",
  },
  {
    id: "delete-without-auth",
    items: ["PROC-01"],
    description: "DELETE of an order needs no credentials (PATCH on it still does)",
  },
  { id: "bola", items: ["PROC-02"], description: "any user reads, changes and deletes any order" },
  {
    id: "user-id-in-path",
    items: ["PROC-02"],
    description: "orders addressed as /api/users/{id}/orders",
  },
  {
    id: "sequential-ids",
    items: ["PROC-03"],
    description: "orders get auto-increment integer ids",
  },
  {
    id: "xxe",
    items: ["PROC-04"],
    description:
      "XML import resolves external entities (files in the demo's data folder, loopback URLs)",
  },
  {
    id: "xml-entity-expansion",
    items: ["PROC-05"],
    description: "XML import expands nested internal entities",
  },
  {
    id: "yaml-alias-expansion",
    items: ["PROC-05"],
    description: "YAML import expands aliases without a limit",
  },
  {
    id: "slow-sync-work",
    items: ["PROC-07"],
    description: "report generation blocks the request for seconds instead of answering 202",
  },
  {
    id: "debug-mode",
    items: ["PROC-08"],
    description: "stack traces in error bodies and an exposed debug console",
  },
  // Output
  {
    id: "password-hash-in-response",
    items: ["OUT-06"],
    description: "user objects include the password hash",
  },
  {
    id: "errors-as-200",
    items: ["OUT-07"],
    description: "errors answered with 200 and an error body",
  },
  {
    id: "malformed-input-500",
    items: ["OUT-07"],
    description: "malformed JSON answered with 500 instead of 400",
  },
] as const satisfies readonly { id: string; items: readonly ItemId[]; description: string }[];

export type FlawId = (typeof FLAWS)[number]["id"];
export const FLAW_IDS: readonly FlawId[] = FLAWS.map((f) => f.id);

/**
 * Resolves a flaw selection: `"all"`, `"none"`, or a list (array or comma-separated string) of
 * flaw names. Unknown names are all reported at once.
 *
 * @example
 * ```ts
 * resolveFlaws("alg-none,bola"); // Set { "alg-none", "bola" }
 * ```
 */
export function resolveFlaws(
  selection: "all" | "none" | string | readonly string[],
): ReadonlySet<FlawId> {
  if (selection === "all") return new Set(FLAW_IDS);
  if (selection === "none") return new Set();
  const names = (typeof selection === "string" ? selection.split(",") : [...selection])
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const unknown = names.filter((n) => !(FLAW_IDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new RampartError(
      "ERR_DEMO_FLAW_UNKNOWN",
      `unknown flaw ${unknown.map((u) => `"${u}"`).join(", ")} (see rampart demo-api --list-flaws)`,
    );
  }
  return new Set(names as FlawId[]);
}
