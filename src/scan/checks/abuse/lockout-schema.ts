import { Type } from "@sinclair/typebox";

/**
 * `scan.lockout` in rampart.yaml: the test account of the AUTH-03 lockout check. Secure
 * default: without it the check does not run, so a scan never guesses at real accounts.
 *
 * @example
 * ```yaml
 * scan:
 *   lockout: { username: lockout-test, password: lockout-test-password, attempts: 10 }
 * ```
 */
export const LockoutSchema = Type.Object(
  {
    /** Path or in-scope URL of the login operation (default: the login recipe's path). */
    path: Type.Optional(Type.String({ minLength: 1 })),
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    /** Failed logins before the right password: default 10, at most 50. */
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  },
  { additionalProperties: false },
);
