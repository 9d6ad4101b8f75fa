import type { OAuthClient } from "./client.js";

/**
 * The redirect URI an authorization request may use, or undefined when it must be refused
 * without redirecting (RFC 6749 4.1.2.1).
 *
 * Hardened: exact string comparison with a registered URI (RFC 9700 2.1, 4.1.3); a missing
 * parameter means the single registered URI (RFC 6749 3.1.2.3). With `open-redirect-uri`
 * (`permissive`) the check is the kind found in the wild, `startsWith(registered origin)` and
 * then "any http(s) URL will do", so `https://client.demo.test.evil.test/`,
 * `https://client.demo.test@evil.test/` and `https://evil.test/` all receive codes.
 *
 * @example
 * ```ts
 * allowedRedirectUri(client, "https://client.demo.test/callback", false); // the same string
 * allowedRedirectUri(client, "https://evil.test/", false); // undefined
 * allowedRedirectUri(client, "https://evil.test/", true); // "https://evil.test/"
 * ```
 */
export function allowedRedirectUri(
  client: OAuthClient,
  requested: string | null,
  permissive: boolean,
): string | undefined {
  if (requested === null)
    return client.redirectUris.length === 1 ? client.redirectUris[0] : undefined;
  if (client.redirectUris.includes(requested)) return requested;
  if (!permissive) return undefined;
  if (client.redirectUris.some((uri) => requested.startsWith(new URL(uri).origin)))
    return requested;
  try {
    const url = new URL(requested);
    return url.protocol === "https:" || url.protocol === "http:" ? requested : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds parameters to a redirect URI, in its query (authorization code flow, RFC 6749 4.1.2;
 * any query it has is kept) or in its fragment (implicit flow, RFC 6749 4.2.2).
 *
 * @example
 * ```ts
 * withParams("https://c.test/cb?x=1", { code: "abc", state: "s" }, "query");
 * // "https://c.test/cb?x=1&code=abc&state=s"
 * ```
 */
export function withParams(
  redirectUri: string,
  params: Readonly<Record<string, string>>,
  where: "query" | "fragment",
): string {
  const url = new URL(redirectUri);
  const extra = new URLSearchParams(params).toString();
  if (where === "fragment") url.hash = extra;
  else url.search = url.search ? `${url.search}&${extra}` : extra;
  return url.href;
}
