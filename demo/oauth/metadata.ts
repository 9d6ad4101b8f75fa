import type { DemoContext, DemoResponse } from "../types.js";
import { DEMO_CLIENT_SCOPES } from "./client.js";

/**
 * The authorization server metadata (RFC 8414) at `/.well-known/oauth-authorization-server`,
 * telling what the demo supports right now: the flaws show up here too (`token` among the
 * response types with `implicit-flow`, `plain` PKCE with `pkce-optional`).
 *
 * @example
 * ```ts
 * authorizationServerMetadata(context).body; // { issuer: "http://127.0.0.1:...", ... }
 * ```
 */
export function authorizationServerMetadata(context: DemoContext): DemoResponse {
  const issuer = context.baseUrl();
  return {
    status: 200,
    body: {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: context.has("implicit-flow") ? ["code", "token"] : ["code"],
      response_modes_supported: context.has("implicit-flow") ? ["query", "fragment"] : ["query"],
      grant_types_supported: context.has("implicit-flow")
        ? ["authorization_code", "implicit"]
        : ["authorization_code"],
      code_challenge_methods_supported: context.has("pkce-optional") ? ["S256", "plain"] : ["S256"],
      scopes_supported: context.has("scopes-not-validated")
        ? [...DEMO_CLIENT_SCOPES, "admin"]
        : [...DEMO_CLIENT_SCOPES],
      token_endpoint_auth_methods_supported: ["none"],
      authorization_response_iss_parameter_supported: true,
    },
  };
}
