import { type Static, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE } from "../../core/validate.js";

/**
 * Defaults of `guard.tokens`: token exchange at the edge (the "phantom token" pattern). When an
 * upstream issues tokens that break the checklist (no expiry, personal data in the payload,
 * oversized, a weak signing secret) and cannot be changed, the guard hands clients a short-lived,
 * minimal token of its own instead, keeps the upstream's token in the store, and swaps it back
 * on the way to the upstream. Clients never see the upstream's token.
 */
export const TOKENS_DEFAULTS = Object.freeze({
  /** The guard's tokens live 15 minutes whatever the upstream's live (JWT-03, RFC 9700 2.2.2). */
  ttlSeconds: 900,
  /**
   * The only claims copied from the upstream's token: who, and what they may do (OAUTH-04).
   * Everything else (email, password hashes, padding) stays behind (JWT-04, JWT-05).
   */
  copyClaims: Object.freeze(["sub", "scope", "scp", "client_id"]) as readonly string[],
  /** Response fields (JSON pointers) holding tokens the upstream issues. */
  fields: Object.freeze(["/access_token"]) as readonly string[],
  /** A response field (JSON pointer) with the lifetime in seconds, rewritten to the guard's. */
  expiresInField: "/expires_in",
  /** A response field (JSON pointer) with the granted scope, rewritten to what the guard grants. */
  scopeField: "/scope",
});

const Pointer = Type.String({
  pattern: "^(/[^/]*)+$",
  [PATTERN_MESSAGE]: "a JSON pointer like /access_token",
});

/** `guard.tokens`: the guard's own token issuer. */
export const TokensSchema = Type.Object(
  {
    /** `iss` of the guard's tokens. */
    issuer: Type.String({ minLength: 1, maxLength: 256 }),
    /** `aud` of the guard's tokens. */
    audience: Type.String({ minLength: 1, maxLength: 256 }),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400 })),
    copyClaims: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32, uniqueItems: true }),
    ),
    /**
     * PEM file of the P-256 private key the guard signs with (ES256). Without it a key is
     * generated once per process: tokens then survive reloads, not restarts, and processes
     * sharing a store need the file.
     */
    signingKeyFile: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Scopes each OAuth client (`client_id` claim) may hold (OAUTH-04, RFC 6749 3.3): anything
     * else the upstream granted is dropped from the guard's token; a client whose grant ends up
     * empty gets `defaultScopes`. Tokens without `client_id` (first-party logins) keep theirs.
     */
    clientScopes: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 256 }),
        Type.Array(Type.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$" }), { maxItems: 64 }),
      ),
    ),
    /** Scopes of a client whose grant is empty after filtering (RFC 6749 3.3 "default value"). */
    defaultScopes: Type.Optional(
      Type.Array(Type.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$" }), { maxItems: 64 }),
    ),
  },
  { additionalProperties: false },
);

/** `issuesTokens:` of a route whose 2xx JSON answers carry upstream tokens to exchange. */
export const IssuesTokensSchema = Type.Union([
  Type.Literal(true),
  Type.Object(
    {
      fields: Type.Optional(Type.Array(Pointer, { minItems: 1, maxItems: 8, uniqueItems: true })),
      expiresInField: Type.Optional(Pointer),
      scopeField: Type.Optional(Pointer),
    },
    { additionalProperties: false },
  ),
]);

export type TokensConfig = Static<typeof TokensSchema>;
export type IssuesTokensConfig = Static<typeof IssuesTokensSchema>;
