import type { DemoResponse } from "../types.js";

/**
 * An OAuth error response (RFC 6749 5.2): `{"error", "error_description"}` as JSON, never cached.
 *
 * @example
 * ```ts
 * oauthError(400, "invalid_grant", "the code is unknown, expired or already used");
 * ```
 */
export function oauthError(status: number, error: string, description: string): DemoResponse {
  return {
    status,
    headers: { "Cache-Control": "no-store", Pragma: "no-cache" },
    body: { error, error_description: description },
  };
}
