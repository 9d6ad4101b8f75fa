import { type Static, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE } from "../../core/validate.js";

/** Defaults of an authorization endpoint's `oauthAuthorize:`, each the current best practice. */
export const OAUTH_AUTHORIZE_DEFAULTS = Object.freeze({
  /** Codes, never tokens in a redirect (OAUTH-02; RFC 9700 2.1.2 retires the implicit grant). */
  responseTypes: Object.freeze(["code"]) as readonly string[],
  /** A `state` on every request (OAUTH-03, RFC 6749 10.12), unless PKCE is the client's CSRF defence. */
  requireState: true,
  /** PKCE with S256 on every request (RFC 9700 2.1.1; `plain` reveals the verifier). */
  requirePkce: true,
});

/**
 * `oauthAuthorize:` on the route of an upstream's authorization endpoint: which clients exist
 * and the redirect URIs registered for each, compared exactly (OAUTH-01, RFC 9700 4.1.3).
 */
export const OAuthAuthorizeSchema = Type.Object(
  {
    clients: Type.Record(
      Type.String({ minLength: 1, maxLength: 256 }),
      Type.Object(
        {
          redirectUris: Type.Array(
            Type.String({
              pattern: "^[A-Za-z][A-Za-z0-9+.-]*:[^#]+$",
              [PATTERN_MESSAGE]: "an absolute URI without a fragment",
            }),
            { minItems: 1, maxItems: 64, uniqueItems: true },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    responseTypes: Type.Optional(
      Type.Array(Type.String({ pattern: "^[a-z_ ]+$" }), { minItems: 1, uniqueItems: true }),
    ),
    requireState: Type.Optional(Type.Boolean()),
    requirePkce: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type OAuthAuthorizeConfig = Static<typeof OAuthAuthorizeSchema>;
