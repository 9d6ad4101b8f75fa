import { Type } from "@sinclair/typebox";
import type { Identity } from "../auth/verify.js";
import type { GuardPolicy, PolicyHooks } from "../policy.js";
import { rejection } from "../policy.js";
import { routeField } from "../policy-options.js";

/** `scopes` on a route or in `defaults`: scopes the token must all carry (`scope` or `scp`). */
export const scopesField = routeField(
  "scopes",
  Type.Array(Type.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$" }), {
    maxItems: 64,
    uniqueItems: true,
  }),
  true,
  (value): readonly string[] => [...(value ?? [])],
);

/** `claims` on a route or in `defaults`: claims the token must carry, each with a listed value. */
export const claimsField = routeField(
  "claims",
  Type.Record(
    Type.String({ minLength: 1, maxLength: 128 }),
    Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { minItems: 1 }),
  ),
  true,
  (value): Readonly<Record<string, readonly (string | number | boolean)[]>> => ({
    ...(value ?? {}),
  }),
);

const META = Object.freeze({
  id: "scopes-required",
  items: Object.freeze(["OAUTH-04"] as const),
  title: "403 insufficient_scope when the caller lacks a route's required scopes or claims",
});

/**
 * Routes that list `scopes` or `claims` answer 403 unless the authenticated token carries every
 * scope (from `scope` or `scp`) and, for each claim, one of the listed values (a list-valued
 * claim matches when one of its items does). API keys carry neither, so they are refused there.
 * The 403 names the required scopes (RFC 6750 3.1) but not the claims. Runs after
 * authentication, whose identity it reads; a route that is public or authenticated upstream
 * cannot require scopes (a config error).
 *
 * @example
 * ```ts
 * scopesPolicy.create({ ...route, scopes: ["orders:read"] }); // hooks refusing tokens without it
 * ```
 */
export const scopesPolicy: GuardPolicy = {
  ...META,
  create(route): PolicyHooks | undefined {
    const claims = Object.entries(route.claims).map(
      ([name, values]) => [name, new Set<unknown>(values)] as const,
    );
    if (route.scopes.length === 0 && claims.length === 0) return undefined;
    if (route.public || route.authentication === "upstream")
      throw new TypeError(
        "scopes and claims need the guard to authenticate: the route is public or authenticated upstream (set scopes: [] and claims: {} there)",
      );
    const scope = route.scopes.length > 0 ? `, scope="${route.scopes.join(" ")}"` : "";
    const refused = rejection(
      META,
      403,
      "Forbidden",
      "The access token does not grant what this route requires.",
      { "WWW-Authenticate": `Bearer realm="rampart", error="insufficient_scope"${scope}` },
    );
    const permitted = (identity: Identity | undefined): boolean => {
      if (identity === undefined) return false;
      for (const needed of route.scopes) if (!identity.scopes.includes(needed)) return false;
      for (const [name, allowed] of claims) {
        const value = identity.claims[name];
        const ok = Array.isArray(value) ? value.some((v) => allowed.has(v)) : allowed.has(value);
        if (!ok) return false;
      }
      return true;
    };
    // Asynchronous only to run after authentication's asynchronous check set the identity.
    return { onRequestAsync: async (ctx) => (permitted(ctx.identity) ? undefined : refused) };
  },
};
