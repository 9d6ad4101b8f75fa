/** The client id of the demo's one registered OAuth client (a public client: no secret). */
export const DEMO_CLIENT_ID = "demo-client";

/** The one redirect URI registered for {@link DEMO_CLIENT_ID}. */
export const DEMO_REDIRECT_URI = "https://client.demo.test/callback";

/** Scopes {@link DEMO_CLIENT_ID} may be granted (`admin` is deliberately not among them). */
export const DEMO_CLIENT_SCOPES: readonly string[] = ["orders:read", "orders:write", "profile"];

/** Scope granted when the request names none (checklist OAUTH-04). */
export const DEMO_DEFAULT_SCOPE = "orders:read";

/**
 * The user the authorization endpoint acts for. Login and consent screens are out of the demo's
 * scope: every authorization request is approved as this resource owner.
 */
export const DEMO_RESOURCE_OWNER = "alice";

/** A registered OAuth client. */
export interface OAuthClient {
  readonly id: string;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
}

const CLIENTS: readonly OAuthClient[] = [
  { id: DEMO_CLIENT_ID, redirectUris: [DEMO_REDIRECT_URI], scopes: DEMO_CLIENT_SCOPES },
];

/**
 * The registered client with this id, if any.
 *
 * @example
 * ```ts
 * findClient("demo-client")?.redirectUris; // ["https://client.demo.test/callback"]
 * ```
 */
export function findClient(id: string | null): OAuthClient | undefined {
  return CLIENTS.find((c) => c.id === id);
}
