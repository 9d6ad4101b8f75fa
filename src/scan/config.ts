import { type Static, Type } from "@sinclair/typebox";
import { CredentialsSchema, IdentitiesSchema, LoginSchema } from "./auth/schema.js";
import { LockoutSchema } from "./checks/abuse/lockout-schema.js";
import { OAuthClientSchema } from "./identities-schema.js";
import { JwtConfigSchema } from "./jwt/config-schema.js";

/**
 * The `scan:` section of `rampart.yaml`: how the scan logs in (a login recipe, hand-made
 * credentials per identity, or just a username and password to find the login with), the
 * identities, the OAuth client, the lockout test account and the JWT settings.
 *
 * @example
 * ```yaml
 * scan:
 *   login:
 *     path: /auth/login
 *     body: { username: scanner, password: scanner-test-password }
 *     token: { pointer: /access_token }
 * ```
 */
export const ScanConfigSchema = Type.Object(
  {
    /** The scan's login recipe (src/scan/auth/schema.ts). */
    login: Type.Optional(LoginSchema),
    /** A username and password only: the scan finds the login operation and the token itself. */
    credentials: Type.Optional(CredentialsSchema),
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
