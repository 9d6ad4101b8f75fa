import { DEMO_DEFAULT_SCOPE, type OAuthClient } from "./client.js";

/**
 * The scopes to grant for a requested `scope` parameter, or undefined for `invalid_scope`.
 *
 * Hardened (RFC 6749 3.3): a missing or empty scope gets the default; every requested scope
 * must be one the client may have. With `scopes-not-validated` (`lax`) whatever is asked for is
 * granted, `admin` and made-up scopes included, and nothing when nothing is asked for.
 *
 * @example
 * ```ts
 * grantedScopes(client, null, false); // ["orders:read"]
 * grantedScopes(client, "orders:read admin", false); // undefined
 * grantedScopes(client, "orders:read admin", true); // ["orders:read", "admin"]
 * ```
 */
export function grantedScopes(
  client: OAuthClient,
  requested: string | null,
  lax: boolean,
): string[] | undefined {
  const scopes = [...new Set((requested ?? "").split(" ").filter((s) => s !== ""))];
  if (lax) return scopes;
  if (scopes.length === 0) return [DEMO_DEFAULT_SCOPE];
  return scopes.every((s) => client.scopes.includes(s)) ? scopes : undefined;
}
