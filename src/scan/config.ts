import { type Static, Type } from "@sinclair/typebox";
import { LockoutSchema } from "./checks/abuse/lockout-schema.js";
import { IdentitiesSchema, LoginSchema, OAuthClientSchema } from "./identities-schema.js";
import { JwtConfigSchema } from "./jwt/config-schema.js";

/**
 * The `scan:` section of `rampart.yaml`. Today it holds the login recipe: one JSON POST whose
 * answer carries an access token, used as a bearer token by every in-scope request of the scan.
 *
 * @example
 * ```yaml
 * scan:
 *   login:
 *     path: /auth/login
 *     body: { username: scanner, password: scanner-test-password }
 *     tokenField: access_token
 * ```
 */
export const ScanConfigSchema = Type.Object(
  {
    login: Type.Optional(LoginSchema),
    /** Named test identities (src/scan/identities.ts): the first is the primary, a second enables BOLA. */
    identities: Type.Optional(IdentitiesSchema),
    /** The OAuth client the OAuth checks use (src/scan/identities.ts). */
    oauth: Type.Optional(OAuthClientSchema),
    /**
     * A dedicated test account for the AUTH-03 lockout check (`--profile full` only): it gets
     * `attempts` failed logins and may stay locked afterwards. Never a real user's account.
     */
    lockout: Type.Optional(LockoutSchema),
    /** Settings of the JWT checks (src/scan/jwt/config-schema.ts): lifetime threshold, public key. */
    jwt: Type.Optional(JwtConfigSchema),
  },
  { additionalProperties: false },
);

/** The validated `scan:` section, as checks see it (`context.config`). */
export type ScanConfig = Static<typeof ScanConfigSchema>;
