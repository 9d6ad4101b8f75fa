import { Type } from "@sinclair/typebox";

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
    login: Type.Optional(
      Type.Object(
        {
          /** Path (relative to the target) or in-scope URL of the login operation. */
          path: Type.String({ minLength: 1 }),
          /** The JSON body to POST. */
          body: Type.Record(Type.String(), Type.Unknown()),
          /** The field of the JSON answer with the access token (default access_token). */
          tokenField: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
