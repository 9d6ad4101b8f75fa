import { Type } from "@sinclair/typebox";

/**
 * `scan.oauth`: the OAuth client the OAuth checks (OAUTH-01..04) impersonate, with its
 * registered redirect URI. The authorization endpoint comes from the server's metadata
 * (RFC 8414, OpenID Connect Discovery) unless given.
 *
 * @example
 * ```yaml
 * oauth:
 *   clientId: demo-client
 *   redirectUri: https://client.demo.test/callback
 *   scopes: [orders:read]
 * ```
 */
export const OAuthClientSchema = Type.Object(
  {
    /** The authorization endpoint (path or in-scope URL); default: from the metadata. */
    authorizeUrl: Type.Optional(Type.String({ minLength: 1 })),
    clientId: Type.String({ minLength: 1 }),
    /** A redirect URI registered for the client, exactly as registered. */
    redirectUri: Type.String({ format: "uri" }),
    /** Scopes the client may ask for (default: none, the server's default scope). */
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
