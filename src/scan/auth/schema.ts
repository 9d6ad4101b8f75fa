import { type Static, Type } from "@sinclair/typebox";

const HeaderName = Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 128 });
const CookieName = Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 128 });
/** A JSON pointer (RFC 6901): `""` for the whole answer, `/user/token` for a member. */
const Pointer = Type.String({ pattern: "^(/.*)?$", maxLength: 512 });

/**
 * Where a value comes from in an answer: a JSON pointer into the body, a response header, a
 * cookie it sets, or (CSRF only) an HTML `<input>` / `<meta>` of that name.
 */
export const ValueFromSchema = Type.Object(
  {
    pointer: Type.Optional(Pointer),
    header: Type.Optional(HeaderName),
    cookie: Type.Optional(CookieName),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);

/**
 * How a token is sent back: `Authorization: <scheme> <token>` (default scheme `Bearer`), a named
 * header holding the token alone, or a cookie.
 */
export const SendSchema = Type.Object(
  {
    scheme: Type.Optional(Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_-]*$", maxLength: 32 })),
    header: Type.Optional(HeaderName),
    cookie: Type.Optional(CookieName),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);

/** A first request whose answer carries a CSRF token (or cookie) the login needs. */
export const CsrfSchema = Type.Object(
  {
    /** Path (or in-scope URL) to GET first; its cookies are kept for the login. */
    path: Type.String({ minLength: 1 }),
    /** Where the CSRF token is: a JSON pointer, a header, a cookie, or an HTML input's name. */
    from: Type.Optional(
      Type.Object(
        {
          pointer: Type.Optional(Pointer),
          header: Type.Optional(HeaderName),
          cookie: Type.Optional(CookieName),
          input: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        },
        { additionalProperties: false, minProperties: 1, maxProperties: 1 },
      ),
    ),
    /** The body field that carries it back (form or top-level JSON). */
    field: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** The request header that carries it back (e.g. X-CSRF-Token, X-XSRF-TOKEN). */
    header: Type.Optional(HeaderName),
  },
  { additionalProperties: false },
);

/**
 * A login recipe: one request (JSON or form body), or an OAuth 2 grant against a token endpoint.
 * Exactly one of `path` (a request) and `grant` (OAuth) is given.
 *
 * @example
 * ```yaml
 * login:                                   # JSON body, token nested, sent with another scheme
 *   path: /api/users/login
 *   body: { user: { email: alice@example.test, password: alice-test-pass } }
 *   token: { pointer: /user/token }
 *   send: { scheme: Token }
 * login:                                   # a form post that opens a cookie session
 *   path: /login
 *   form: { username: alice, password: alice-test-pass }
 *   csrf: { path: /login, from: { input: _csrf }, field: _csrf }
 * login:                                   # OAuth 2 password grant (RFC 6749 4.3)
 *   grant: password
 *   tokenUrl: /oauth/token
 *   clientId: scanner
 *   username: alice
 *   password: alice-test-pass
 * ```
 */
export const LoginSchema = Type.Object(
  {
    /** Path (relative to the target) or in-scope URL of the login operation. */
    path: Type.Optional(Type.String({ minLength: 1 })),
    /** The login's method (default POST). */
    method: Type.Optional(Type.Union([Type.Literal("POST"), Type.Literal("PUT")])),
    /** A JSON body. */
    body: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** A form body (application/x-www-form-urlencoded), instead of `body`. */
    form: Type.Optional(Type.Record(Type.String(), Type.String(), { maxProperties: 50 })),
    /** Where the token is in the answer. Default: found by itself (fields, header, cookie). */
    token: Type.Optional(ValueFromSchema),
    /** The top-level field of the JSON answer with the token (kept for older configs). */
    tokenField: Type.Optional(Type.String({ minLength: 1 })),
    /** How the token is sent back (default `Authorization: Bearer`). */
    send: Type.Optional(SendSchema),
    /** A first step that fetches a CSRF token or cookie. */
    csrf: Type.Optional(CsrfSchema),
    /** OAuth 2 grant instead of a request: `password` (RFC 6749 4.3) or `client_credentials` (4.4). */
    grant: Type.Optional(
      Type.Union([Type.Literal("password"), Type.Literal("client_credentials")]),
    ),
    /** The token endpoint of the grant (path or in-scope URL). */
    tokenUrl: Type.Optional(Type.String({ minLength: 1 })),
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1 })),
    /** How the client authenticates to the token endpoint (default: HTTP Basic, RFC 6749 2.3.1). */
    clientAuth: Type.Optional(Type.Union([Type.Literal("basic"), Type.Literal("body")])),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    scope: Type.Optional(Type.String({ minLength: 1 })),
  },
  {
    additionalProperties: false,
    // A request (path) or a grant (grant, tokenUrl, clientId), never both. Ajv's strict mode
    // wants every required key declared in the same subschema.
    oneOf: [
      {
        type: "object",
        required: ["path"],
        properties: { path: {} },
        not: {
          anyOf: ["grant", "tokenUrl"].map((k) => ({
            type: "object",
            required: [k],
            properties: { [k]: {} },
          })),
        },
      },
      {
        type: "object",
        required: ["grant", "tokenUrl", "clientId"],
        properties: { grant: {}, tokenUrl: {}, clientId: {} },
        not: { type: "object", required: ["path"], properties: { path: {} } },
      },
    ],
  },
);

/** A validated login recipe. */
export type LoginRecipe = Static<typeof LoginSchema>;

/**
 * `scan.identities`: named test accounts, each with a login recipe, a username and password for
 * the scan's own recipe, or hand-made credentials (a bearer token, headers, or cookies): one of
 * the five. The first is the primary identity (the
 * scan's credentials when `scan.login` is absent); a second one enables the BOLA checks.
 * Identities are ordinary users unless marked `admin: true`.
 *
 * @example
 * ```yaml
 * identities:
 *   - name: alice
 *     login: { path: /auth/login, body: { username: alice, password: alice-test-pass } }
 *   - name: bob
 *     headers: { Authorization-Token: Ym9iOmJvYi10ZXN0LXBhc3M= }
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
      /** Headers that carry the credentials, as they are sent. */
      headers: Type.Optional(
        Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String(), {
          minProperties: 1,
          maxProperties: 10,
        }),
      ),
      /**
       * A username and password for the scan's own login recipe (configured or found by itself):
       * the same login, as this identity.
       */
      credentials: Type.Optional(
        Type.Object(
          { username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
      ),
      /** Cookies that carry a session, by name. */
      cookies: Type.Optional(
        Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String(), {
          minProperties: 1,
          maxProperties: 20,
        }),
      ),
      /** The identity may use admin operations (default false: no BFLA finding for it). */
      admin: Type.Optional(Type.Boolean()),
    },
    {
      additionalProperties: false,
      // Exactly one way to get credentials.
      oneOf: ["login", "credentials", "bearer", "headers", "cookies"].map((key) => ({
        type: "object",
        required: [key],
        properties: { [key]: {} },
      })),
    },
  ),
  { minItems: 1, maxItems: 10 },
);

/**
 * `scan.credentials`: a username and a password only. The scan finds the login operation (in
 * the document, else at common paths) and where its answer puts the token, and says in the
 * report what it found.
 *
 * @example
 * ```yaml
 * credentials: { username: alice@example.test, password: alice-test-pass }
 * ```
 */
export const CredentialsSchema = Type.Object(
  {
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export type Credentials = Static<typeof CredentialsSchema>;
