import { decodeJwt, type JWTPayload } from "jose";
import { segmentsOf, valueAt } from "../../openapi/pointer.js";
import type { GuardPolicy, PolicyHooks } from "../policy.js";
import { rejection } from "../policy.js";
import { routeField } from "../policy-options.js";
import { EDGE_ISSUER_NAME, type EdgeTokens } from "../tokens/edge.js";
import { IssuesTokensSchema, TOKENS_DEFAULTS } from "../tokens/schema.js";
import { isJson } from "./json-body.js";
import { mediaTypeOf } from "./response-type.js";

/**
 * `issuesTokens` on a route: upstream tokens in its 2xx JSON answers are exchanged for guard
 * tokens; `true` reads the usual fields.
 */
export const issuesTokensField = routeField(
  "issuesTokens",
  IssuesTokensSchema,
  false,
  (value): IssuedTokenFields | undefined => {
    if (value === undefined) return undefined;
    const d = TOKENS_DEFAULTS;
    if (value === true)
      return { fields: d.fields, expiresInField: d.expiresInField, scopeField: d.scopeField };
    return {
      fields: value.fields ?? d.fields,
      expiresInField: value.expiresInField ?? (value.fields ? undefined : d.expiresInField),
      scopeField: value.scopeField ?? (value.fields ? undefined : d.scopeField),
    };
  },
);

/** Response fields holding upstream tokens to exchange for guard tokens. */
export interface IssuedTokenFields {
  readonly fields: readonly string[];
  readonly expiresInField: string | undefined;
  readonly scopeField: string | undefined;
}

const META = Object.freeze({
  id: "token-exchange",
  items: Object.freeze(["JWT-03", "JWT-04", "JWT-05"] as const),
  title: "Upstream tokens exchanged for short-lived, minimal guard tokens, swapped back upstream",
});

/** Token responses (a login's JSON) larger than this are not exchanged but withheld. */
const MAX_TOKEN_RESPONSE_BYTES = 256 * 1024;
/** Kept a little past the guard token's expiry so a request in flight still finds it. */
const GRACE_SECONDS = 60;

/**
 * Builds the token-exchange policy of a compiled `guard.tokens` (the phantom-token pattern).
 * On a route marked `issuesTokens`, each upstream token in a 2xx JSON answer is stored and
 * replaced by a guard token (ES256, the configured lifetime, only the copied claims); on
 * protected routes, a request authenticated by a guard token goes upstream with the upstream's
 * own token in its place. A guard token whose upstream token is gone is refused with 401.
 *
 * @example
 * ```ts
 * const policy = createTokenExchangePolicy(compileTokens(config.tokens, dir, report));
 * ```
 */
export function createTokenExchangePolicy(edge: EdgeTokens | undefined): GuardPolicy {
  const policy: GuardPolicy = {
    ...META,
    create(route) {
      if (!edge) return undefined;
      const hooks: { -readonly [K in keyof PolicyHooks]: PolicyHooks[K] } = {};
      const unavailable = rejection(
        policy,
        503,
        "Service Unavailable",
        "Tokens cannot be checked right now.",
      );
      const gone = rejection(policy, 401, "Unauthorized", "The access token is invalid.", {
        "WWW-Authenticate":
          'Bearer realm="rampart", error="invalid_token", error_description="The access token is invalid or expired"',
      });
      const issues = route.issuesTokens;
      // Parsed once here: a malformed pointer is a config problem, not a per-request one.
      const exchange = issues && {
        fields: issues.fields.map((f) => segmentsOf(f)),
        expiresIn:
          issues.expiresInField === undefined ? undefined : segmentsOf(issues.expiresInField),
        scope: issues.scopeField === undefined ? undefined : segmentsOf(issues.scopeField),
      };
      if (exchange) {
        hooks.onResponseHead = (head) =>
          head.status >= 200 &&
          head.status < 300 &&
          isJson(mediaTypeOf(head.headers["content-type"]))
            ? MAX_TOKEN_RESPONSE_BYTES
            : undefined;
        hooks.onResponseBodyAsync = async (body, head, ctx) => {
          if (head.status < 200 || head.status >= 300) return undefined;
          let document: unknown;
          try {
            document = JSON.parse(body.toString("utf8"));
          } catch {
            return undefined;
          }
          const now = Math.floor(Date.now() / 1000);
          let expiresIn: number | undefined;
          let scope: string | undefined;
          for (const field of exchange.fields) {
            const value = valueAt(document, field);
            if (typeof value !== "string" || value === "") continue;
            const minted = edge.mint(claimsOf(value), now);
            await ctx.runtime.store.putValue(
              storeKey(minted.jti),
              value,
              minted.expiresIn + GRACE_SECONDS,
            );
            writeAt(document, field, minted.token);
            expiresIn = Math.min(expiresIn ?? minted.expiresIn, minted.expiresIn);
            scope ??= minted.scope;
          }
          if (expiresIn === undefined) return undefined;
          if (
            exchange.expiresIn !== undefined &&
            valueAt(document, exchange.expiresIn) !== undefined
          )
            writeAt(document, exchange.expiresIn, expiresIn);
          // The answer says what the client holds now (RFC 6749 5.1), not what the upstream gave.
          if (scope !== undefined && exchange.scope !== undefined)
            writeAt(document, exchange.scope, scope);
          return { body: Buffer.from(JSON.stringify(document), "utf8") };
        };
      }
      if (!route.public && route.authentication === "required")
        hooks.onRequestAsync = async (ctx) => {
          const identity = ctx.identity;
          if (!identity || identity.via !== EDGE_ISSUER_NAME) return undefined;
          const jti = identity.claims?.jti;
          if (typeof jti !== "string") return gone;
          let upstream: string | undefined;
          try {
            upstream = await ctx.runtime.store.getValue(storeKey(jti));
          } catch {
            ctx.runtime.metrics.storeErrors.labels(META.id, "closed").inc();
            return unavailable;
          }
          // Absent, or emptied by a logout or an operator: the exchange is over.
          if (!upstream) return gone;
          ctx.req.headers.authorization = `Bearer ${upstream}`;
          return undefined;
        };
      return hooks.onResponseHead || hooks.onRequestAsync ? hooks : undefined;
    },
  };
  return Object.freeze(policy);
}

/** The placeholder registered in `ROUTE_POLICIES`; the route table binds `guard.tokens`. */
export const tokenExchangePolicy: GuardPolicy = createTokenExchangePolicy(undefined);

/**
 * Replaces the registered token-exchange placeholder in `policies` with one bound to `edge`.
 *
 * @example
 * ```ts
 * const active = withTokenExchange(policies, compileTokens(config.tokens, dir, at));
 * ```
 */
export function withTokenExchange(
  policies: readonly GuardPolicy[],
  edge: EdgeTokens | undefined,
): readonly GuardPolicy[] {
  if (!edge) return policies;
  const bound = createTokenExchangePolicy(edge);
  return policies.map((p) => (p.id === META.id ? bound : p));
}

function storeKey(jti: string): string {
  return `edge:${jti}`;
}

/** The claims of an upstream token the guard reads but does not verify: the upstream is trusted. */
function claimsOf(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined; // an opaque token: the guard token carries no identity claims
  }
}

/** Sets the value at `segments` when its parent exists (RFC 6901). */
function writeAt(document: unknown, segments: readonly string[], value: unknown): void {
  const parent = valueAt(document, segments.slice(0, -1));
  if (parent !== null && typeof parent === "object")
    (parent as Record<string, unknown>)[segments[segments.length - 1] as string] = value;
}
