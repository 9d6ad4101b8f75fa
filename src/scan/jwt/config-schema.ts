import { Type } from "@sinclair/typebox";

/** Defaults of the JWT checks, each the secure choice. */
export const JWT_DEFAULTS = Object.freeze({
  /** Access tokens should live minutes, not days (RFC 9700 2.2.2, OWASP: 5 to 15 minutes). */
  maxLifetimeMinutes: 15,
});

/**
 * `scan.jwt` of `rampart.yaml`: settings of the JWT checks.
 *
 * @example
 * ```yaml
 * scan:
 *   jwt:
 *     maxLifetimeMinutes: 60
 *     publicKey: |
 *       -----BEGIN PUBLIC KEY-----
 *       ...
 * ```
 */
export const JwtConfigSchema = Type.Object(
  {
    /** Longest acceptable access token lifetime (exp - iat), in minutes (default 15). */
    maxLifetimeMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 525_600 })),
    /**
     * The PEM text of the server's public key, for the RS/ES -> HS confusion forgery; the CLI's
     * `--public-key FILE` sets it from a file. Without it, the JWKS is used.
     */
    publicKey: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536 })),
  },
  { additionalProperties: false },
);
