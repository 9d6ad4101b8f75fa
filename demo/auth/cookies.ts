import type { DemoContext, DemoRequest } from "../types.js";
import { SESSION_COOKIE } from "./authenticate.js";

/**
 * The `Set-Cookie` value of the session cookie (RFC 6265bis): `HttpOnly` keeps it from scripts,
 * `SameSite=Strict` from cross-site requests (CSRF), `Secure` from plain-HTTP connections (only
 * on HTTPS responses: browsers refuse it otherwise). With `insecure-cookie` all three are
 * missing. `clear` expires the cookie (logout).
 *
 * @example
 * ```ts
 * sessionCookie(context, request, "abc"); // "sid=abc; Path=/; HttpOnly; SameSite=Strict; Secure"
 * ```
 */
export function sessionCookie(
  context: DemoContext,
  request: DemoRequest,
  value: string,
  clear = false,
): string {
  let cookie = `${SESSION_COOKIE}=${value}; Path=/`;
  if (!context.has("insecure-cookie")) {
    cookie += "; HttpOnly; SameSite=Strict";
    if (request.secure) cookie += "; Secure";
  }
  return clear ? `${cookie}; Max-Age=0` : cookie;
}
