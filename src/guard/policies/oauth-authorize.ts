import { OAUTH_AUTHORIZE_DEFAULTS, OAuthAuthorizeSchema } from "../config/oauth-schema.js";
import type { GuardPolicy, Rejection } from "../policy.js";
import { rejection } from "../policy.js";
import { routeField } from "../policy-options.js";

/** `oauthAuthorize` on a route: it is an OAuth authorization endpoint, its requests checked. */
export const oauthAuthorizeField = routeField(
  "oauthAuthorize",
  OAuthAuthorizeSchema,
  false,
  (value) => value,
);

/**
 * Authorization requests checked before the upstream's authorization server sees them: a known
 * `client_id`, a `redirect_uri` equal to one registered for it (OAUTH-01), an allowed
 * `response_type` (no implicit grant) with PKCE S256 (OAUTH-02), a `state` (OAUTH-03), each
 * parameter once. Refusals are 400 problems, never a redirect: the redirect URI is not trusted
 * (RFC 6749 4.1.2.1).
 */
export const oauthAuthorizePolicy: GuardPolicy = {
  id: "oauth-authorize",
  items: ["OAUTH-01", "OAUTH-02", "OAUTH-03"],
  title: "400 for authorization requests with an unregistered redirect_uri, no PKCE or no state",
  create(route) {
    const config = route.oauthAuthorize;
    if (!config) return undefined;
    const d = OAUTH_AUTHORIZE_DEFAULTS;
    // Validated here as well as by the schema: route tables are also built from code.
    for (const [id, client] of Object.entries(config.clients))
      for (const uri of client.redirectUris)
        if (!URL.canParse(uri) || uri.includes("#"))
          throw new TypeError(
            `client "${id}": redirect URI "${uri}" must be absolute and without a fragment (RFC 6749 3.1.2)`,
          );
    const clients = new Map(
      Object.entries(config.clients).map(([id, c]) => [id, new Set(c.redirectUris)]),
    );
    const responseTypes = new Set(config.responseTypes ?? d.responseTypes);
    const requireState = config.requireState ?? d.requireState;
    const requirePkce = config.requirePkce ?? d.requirePkce;
    const bad = (detail: string): Rejection =>
      rejection(oauthAuthorizePolicy, 400, "Bad Request", detail);
    const refusals = {
      repeated: bad("Authorization request parameters may appear once each."),
      client: bad("Unknown client_id."),
      redirect: bad("redirect_uri is not registered for this client."),
      responseType: bad(`response_type must be one of: ${[...responseTypes].join(", ")}.`),
      pkce: bad("PKCE is required: code_challenge with code_challenge_method=S256."),
      state: bad("state is required."),
    };
    return {
      onRequest(ctx) {
        const params = new URLSearchParams(ctx.query);
        for (const name of [
          "client_id",
          "redirect_uri",
          "response_type",
          "state",
          "code_challenge",
          "code_challenge_method",
          "scope",
        ])
          if (params.getAll(name).length > 1) return refusals.repeated;
        const registered = clients.get(params.get("client_id") ?? "");
        if (!registered) return refusals.client;
        const redirect = params.get("redirect_uri");
        // Without redirect_uri, the one registered URI is used (RFC 6749 3.1.2.3); with several, it is required.
        if (redirect === null ? registered.size !== 1 : !registered.has(redirect))
          return refusals.redirect;
        if (!responseTypes.has(params.get("response_type") ?? "")) return refusals.responseType;
        if (
          requirePkce &&
          (!params.get("code_challenge") || params.get("code_challenge_method") !== "S256")
        )
          return refusals.pkce;
        if (requireState && !params.get("state")) return refusals.state;
        return undefined;
      },
    };
  },
};
