import type { DemoContext, Route } from "../types.js";
import { login, logout, refresh } from "./login.js";

/**
 * The authentication routes: `POST /auth/login`, `POST /auth/refresh`, `POST /auth/logout` and
 * the JWKS of the OAuth token endpoint's RS256 key, `GET /.well-known/jwks.json`.
 *
 * @example
 * ```ts
 * const routes = [...authRoutes(context), ...oauthRoutes(context)];
 * ```
 */
export function authRoutes(_context: DemoContext): Route[] {
  return [
    {
      method: "POST",
      path: "/auth/login",
      auth: "none",
      accepts: ["application/json"],
      handler: login,
    },
    {
      method: "POST",
      path: "/auth/refresh",
      auth: "none",
      accepts: ["application/json"],
      handler: refresh,
    },
    { method: "POST", path: "/auth/logout", auth: "user", handler: logout },
    {
      method: "GET",
      path: "/.well-known/jwks.json",
      auth: "none",
      handler: (_request, context) => ({
        status: 200,
        headers: { "Cache-Control": "public, max-age=300" },
        body: context.keys.jwks,
      }),
    },
  ];
}
