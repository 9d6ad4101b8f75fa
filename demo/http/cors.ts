import type { IncomingHttpHeaders } from "node:http";

/** The one origin the hardened demo grants cross-origin access to (its fictional web app). */
export const DEMO_ALLOWED_ORIGIN = "https://app.demo.test";

const ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, X-API-Key";
const EXPOSED_HEADERS = "Location, Retry-After, RateLimit, RateLimit-Policy";

/** What a CORS decision needs to know about the request and the resource. */
export interface CorsInput {
  readonly headers: IncomingHttpHeaders;
  /** True for an OPTIONS request carrying Access-Control-Request-Method (a preflight). */
  readonly preflight: boolean;
  /** Methods of the resource (its Allow list). */
  readonly methods: readonly string[];
  /** `permissive-cors`: reflect every origin, `null` included, with credentials. */
  readonly permissive: boolean;
}

/**
 * CORS response headers (Fetch standard, "CORS protocol"). Hardened: only
 * {@link DEMO_ALLOWED_ORIGIN} gets them, every response says `Vary: Origin` so that caches keep
 * the variants apart; other origins get nothing, which makes the browser refuse the read.
 * Permissive: the request's Origin is echoed with credentials allowed, preflights approve
 * whatever they ask for.
 *
 * @example
 * ```ts
 * corsHeaders({ headers: { origin: "https://evil.example" }, preflight: false, methods: ["GET"], permissive: false });
 * // { Vary: "Origin" }
 * ```
 */
export function corsHeaders(input: CorsInput): Record<string, string> {
  const origin = input.headers.origin;
  if (input.permissive) {
    if (origin === undefined) return {};
    const headers: Record<string, string> = {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
    };
    if (input.preflight) {
      headers["Access-Control-Allow-Methods"] =
        input.headers["access-control-request-method"] ?? input.methods.join(", ");
      headers["Access-Control-Allow-Headers"] =
        input.headers["access-control-request-headers"] ?? "*";
      headers["Access-Control-Max-Age"] = "86400";
    }
    return headers;
  }

  const vary = input.preflight
    ? "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    : "Origin";
  if (origin !== DEMO_ALLOWED_ORIGIN) return { Vary: vary };
  const headers: Record<string, string> = {
    Vary: vary,
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
  };
  if (input.preflight) {
    const requested = String(input.headers["access-control-request-method"]);
    if (!input.methods.includes(requested)) return { Vary: vary };
    headers["Access-Control-Allow-Methods"] = input.methods.join(", ");
    headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS;
    headers["Access-Control-Max-Age"] = "600";
  } else {
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS;
  }
  return headers;
}
