import { Type } from "@sinclair/typebox";

/**
 * A login recipe: one JSON POST whose answer carries an access token.
 *
 * @example
 * ```yaml
 * login: { path: /auth/login, body: { username: scanner, password: scanner-test-password } }
 * ```
 */
export const LoginSchema = Type.Object(
  {
    /** Path (relative to the target) or in-scope URL of the login operation. */
    path: Type.String({ minLength: 1 }),
    /** The JSON body to POST. */
    body: Type.Record(Type.String(), Type.Unknown()),
    /** The field of the JSON answer with the access token (default access_token). */
    tokenField: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/**
 * `scan.identities`: named test accounts, each with its own login recipe or bearer token (one of
 * the two). The first is the primary identity (the scan's credentials when `scan.login` is
 * absent); a second one enables the BOLA checks (PROC-02). Identities are ordinary users unless
 * marked `admin: true`: admin-looking operations answering them is a finding (BFLA, PROC-01).
 *
 * @example
 * ```yaml
 * identities:
 *   - name: alice
 *     login: { path: /auth/login, body: { username: alice, password: alice-test-pass } }
 *   - name: bob
 *     bearer: eyJhbGciOi...
 * ```
 */
export const IdentitiesSchema = Type.Array(
  Type.Object(
    {
      /** A short name shown in findings (never the credentials). */
      name: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._-]+$" }),
      login: Type.Optional(LoginSchema),
      /** A bearer token, when there is no login operation to call. */
      bearer: Type.Optional(Type.String({ minLength: 1, pattern: "^[A-Za-z0-9._~+/=-]+$" })),
      /** The identity may use admin operations (default false: no BFLA finding for it). */
      admin: Type.Optional(Type.Boolean()),
    },
    {
      additionalProperties: false,
      // Exactly one way to get credentials.
      oneOf: ["login", "bearer"].map((key) => ({
        type: "object",
        required: [key],
        properties: { [key]: {} },
      })),
    },
  ),
  { minItems: 1, maxItems: 10 },
);

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
