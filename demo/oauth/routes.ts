import type { DemoContext, Route } from "../types.js";
import { authorize } from "./authorize.js";
import { authorizationServerMetadata } from "./metadata.js";
import { token } from "./token.js";

/**
 * The OAuth 2.0 authorization server: `GET /oauth/authorize`, `POST /oauth/token` and
 * `GET /.well-known/oauth-authorization-server` (RFC 8414).
 *
 * @example
 * ```ts
 * const routes = [...authRoutes(context), ...oauthRoutes(context)];
 * ```
 */
export function oauthRoutes(_context: DemoContext): Route[] {
  return [
    { method: "GET", path: "/oauth/authorize", auth: "none", handler: authorize },
    {
      method: "POST",
      path: "/oauth/token",
      auth: "none",
      accepts: ["application/x-www-form-urlencoded"],
      handler: token,
    },
    {
      method: "GET",
      path: "/.well-known/oauth-authorization-server",
      auth: "none",
      handler: (_request, context) => authorizationServerMetadata(context),
    },
  ];
}
