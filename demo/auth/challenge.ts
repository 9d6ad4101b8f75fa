import type { DemoContext } from "../types.js";

/** The RFC 6750 3.1 error codes a resource server puts in its Bearer challenge. */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

/**
 * The `WWW-Authenticate` value of a 401 (RFC 9110 11.6.1, RFC 6750 3). Without an error it is
 * the bare `Bearer realm="demo"` that RFC 6750 3.1 asks for when a request carried no usable
 * credentials; with `basic-auth` on, a `Basic` challenge is offered first (RFC 7617), inviting
 * browsers and clients to send passwords on every request.
 *
 * @example
 * ```ts
 * bearerChallenge(context, "invalid_token", "the access token expired");
 * // 'Bearer realm="demo", error="invalid_token", error_description="the access token expired"'
 * ```
 */
export function bearerChallenge(
  context: DemoContext,
  error?: BearerError,
  description?: string,
): string {
  let bearer = 'Bearer realm="demo"';
  if (error) bearer += `, error="${error}"`;
  if (error && description) bearer += `, error_description="${description.replace(/["\\]/g, "")}"`;
  return context.has("basic-auth") ? `Basic realm="demo", ${bearer}` : bearer;
}
