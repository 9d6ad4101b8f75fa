import { type Static, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE, StringEnum } from "../../core/validate.js";

/**
 * Defaults of `guard.auth` (JWT issuers and API keys), each the secure choice; loosening one is
 * explicit and visible in the config.
 */
export const AUTH_DEFAULTS = Object.freeze({
  issuer: Object.freeze({
    /** Clock skew allowed on `exp`, `nbf` and `iat` (RFC 7519 4.1.4: "a small leeway"). */
    clockToleranceSeconds: 30,
    /**
     * Claims a token must carry. `iss` and `aud` bind it to this issuer and this API, `exp` and
     * `iat` bound its lifetime (JWT-03), `nbf` stops a token minted for later from working now.
     * Some issuers omit `nbf`: dropping it from this list is the explicit loosening.
     */
    requiredClaims: Object.freeze(["iss", "aud", "exp", "nbf", "iat"]) as readonly string[],
    /**
     * Longest accepted lifetime (`exp - iat`) and age (`now - iat`): a token minted to live
     * longer is refused even when its signature is valid (JWT-03).
     */
    maxLifetimeSeconds: 900,
    /** Larger bearer tokens are refused before any parsing (JWT-05). */
    maxTokenBytes: 4096,
    /** Claims that must never travel in a token (JWT-04: a JWT payload is only base64). */
    forbiddenClaims: Object.freeze([
      "password",
      "passwordHash",
      "password_hash",
      "ssn",
      "card",
      "cardNumber",
      "secret",
    ]) as readonly string[],
    /** How `key.secret` / `key.secretEnv` text becomes key bytes: as written, no surprise. */
    secretEncoding: "utf8" as SecretEncoding,
    /** Weak or guessable HMAC secrets are a config error (JWT-01) unless this is spelled out. */
    allowWeakSecret: false,
    /** A JWKS is refetched on an unknown `kid` at most once per cool-down (key-miss floods). */
    jwksCooldownSeconds: 30,
    /** A fetched JWKS is trusted this long before it is refetched. */
    jwksCacheMaxAgeSeconds: 600,
    /** A JWKS endpoint slower than this fails the request closed (503). */
    jwksTimeoutMs: 5000,
  }),
  /**
   * Verified tokens remembered (by the whole token string), so a client repeating its token
   * skips the signature check (ES256 costs ~230 us); exp, nbf, age and revocation are checked
   * again on every hit. Bounded so memory stays bounded; 0 disables it.
   */
  verifiedTokenCacheSize: 10_000,
  /**
   * No identity headers go upstream unless named: a header an upstream did not ask for is one
   * more thing a misconfigured upstream might trust.
   */
  forward: Object.freeze({}) as Readonly<ForwardConfig>,
  apiKey: Object.freeze({
    /** API keys travel in a header only, never in the URL (IN-05). */
    header: "x-api-key",
  }),
  /** RFC 7518 3.2: an HMAC key at least as long as the hash output; 256 bits for HS256. */
  minSecretBytes: 32,
});

/** How the text of an HMAC secret is turned into key bytes. */
export type SecretEncoding = "utf8" | "base64" | "base64url" | "hex";

/** Algorithms an issuer may pin; `none` is not among them. */
export const JWT_ALGORITHMS = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

const Seconds = Type.Integer({ minimum: 0, maximum: 31_536_000 });

const IssuerSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9_.-]+$", [PATTERN_MESSAGE]: "a short name" }),
    /** The expected `iss` claim. */
    issuer: Type.String({ minLength: 1 }),
    /** The expected `aud` claim (one of them when the token carries several). */
    audience: Type.String({ minLength: 1 }),
    /** Pinned: the token's `alg` header is checked against this list, never trusted. */
    algorithms: Type.Array(StringEnum(JWT_ALGORITHMS), { minItems: 1, uniqueItems: true }),
    /** Exactly one of these. */
    key: Type.Object(
      {
        secret: Type.Optional(Type.String({ minLength: 1 })),
        secretEnv: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" })),
        publicKeyFile: Type.Optional(Type.String({ minLength: 1 })),
        /** How `secret` / `secretEnv` is decoded to key bytes; the length check counts those. */
        secretEncoding: Type.Optional(StringEnum(["utf8", "base64", "base64url", "hex"] as const)),
        jwksUrl: Type.Optional(
          Type.String({
            pattern: "^https?://",
            [PATTERN_MESSAGE]: "an https:// URL (http:// only on loopback)",
          }),
        ),
      },
      { additionalProperties: false },
    ),
    clockToleranceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
    /** Claims every token must carry; iss, aud, exp and iat cannot be dropped. */
    requiredClaims: Type.Optional(
      Type.Array(Type.String({ pattern: "^[A-Za-z0-9_:.-]{1,64}$" }), {
        maxItems: 32,
        uniqueItems: true,
      }),
    ),
    maxLifetimeSeconds: Type.Optional(Seconds),
    maxTokenBytes: Type.Optional(Type.Integer({ minimum: 64, maximum: 65_536 })),
    forbiddenClaims: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 200 })),
    allowWeakSecret: Type.Optional(Type.Boolean()),
    jwksCooldownSeconds: Type.Optional(Seconds),
    jwksCacheMaxAgeSeconds: Type.Optional(Seconds),
    jwksTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

const ApiKeySchema = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9_.-]+$", [PATTERN_MESSAGE]: "a short name" }),
    /** Only the SHA-256 of the key is stored: `sha256:<64 hex digits>`. */
    hash: Type.String({
      pattern: "^sha256:[0-9a-fA-F]{64}$",
      [PATTERN_MESSAGE]: "sha256:<64 hex digits>",
    }),
    header: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9-]+$" })),
  },
  { additionalProperties: false },
);

/** A header name the guard sets: letters, digits and `-` (no `_`: CGI folds it into `-`). */
const HeaderName = Type.String({
  pattern: "^[A-Za-z0-9][A-Za-z0-9-]{0,63}$",
  [PATTERN_MESSAGE]: "a header name of letters, digits and -",
});

/**
 * Verified identity sent to the upstream in request headers; every field optional, none by
 * default. Inbound copies of each header are removed on every route.
 */
const ForwardSchema = Type.Object(
  {
    /** The token's `sub`. */
    subject: Type.Optional(HeaderName),
    /** The token's `iss`. */
    issuer: Type.Optional(HeaderName),
    /** The token's scopes, space-separated. */
    scopes: Type.Optional(HeaderName),
    /** The configured name of the API key used. */
    apiKey: Type.Optional(HeaderName),
    /** Other claims by name (string, number or boolean values), e.g. `{ email: X-Auth-Email }`. */
    claims: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z0-9_:.-]{1,64}$" }), HeaderName),
    ),
  },
  { additionalProperties: false },
);

/** The `guard.auth` section: who may call the routes that are not public. */
export const AuthSchema = Type.Object(
  {
    issuers: Type.Optional(Type.Array(IssuerSchema, { maxItems: 100 })),
    apiKeys: Type.Optional(Type.Array(ApiKeySchema, { maxItems: 10_000 })),
    forward: Type.Optional(ForwardSchema),
    verifiedTokenCacheSize: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export type AuthConfig = Static<typeof AuthSchema>;
export type IssuerConfig = Static<typeof IssuerSchema>;
export type ForwardConfig = Static<typeof ForwardSchema>;
