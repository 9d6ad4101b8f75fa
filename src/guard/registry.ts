import type { Static } from "@sinclair/typebox";
import type { Covering } from "../catalog/coverage.js";
import { acceptPolicy } from "./policies/accept.js";
import { authenticationPolicy } from "./policies/authentication.js";
import { bodyLimitPolicy } from "./policies/body-limit.js";
import { contentTypePolicy } from "./policies/content-type.js";
import { cookieFlagsOptions, cookieFlagsPolicy } from "./policies/cookie-flags.js";
import { debugScrubOptions, debugScrubPolicy } from "./policies/debug-scrub.js";
import { directoryListingOptions, directoryListingPolicy } from "./policies/directory-listing.js";
import { ipAllowPolicy } from "./policies/ip-allow.js";
import { jsonBodyOptions, jsonBodyPolicy } from "./policies/json-body.js";
import { lockoutField, lockoutPolicy } from "./policies/lockout.js";
import { methodOverrideBodyPolicy } from "./policies/method-override-body.js";
import { normalizeOptions, normalizePolicy } from "./policies/normalize.js";
import { oauthAuthorizeField, oauthAuthorizePolicy } from "./policies/oauth-authorize.js";
import { openApiValidationPolicy, validationOptions } from "./policies/openapi-validation.js";
import { queryCredentialsOptions, queryCredentialsPolicy } from "./policies/query-credentials.js";
import { limitsField, rateLimitPolicy } from "./policies/rate-limit.js";
import { requestBodyOptions, requestBodyPolicy } from "./policies/request-body.js";
import { responseSecretsOptions, responseSecretsPolicy } from "./policies/response-secrets.js";
import { responseTypeOptions, responseTypePolicy } from "./policies/response-type.js";
import { routingPolicy } from "./policies/routing.js";
import { claimsField, scopesField, scopesPolicy } from "./policies/scopes.js";
import { securityHeadersOptions, securityHeadersPolicy } from "./policies/security-headers.js";
import { issuesTokensField, tokenExchangePolicy } from "./policies/token-exchange.js";
import { xmlBodyOptions, xmlBodyPolicy } from "./policies/xml-body.js";
import { yamlBodyOptions, yamlBodyPolicy } from "./policies/yaml-body.js";
import type { GuardPolicy } from "./policy.js";
import type { PolicyOptionsSpec, RouteFieldSpec, Widen } from "./policy-options.js";

// Where the guard's policies are registered, once. Adding a policy: write
// policies/<name>.ts (a GuardPolicy: id, items, title, create(route) returning its hooks; with a
// `policies.<key>` section of its own, its options declared there with policyOptions()), then
// list the policy in ROUTE_POLICIES at its place on the request path and its options, if any,
// in POLICY_OPTIONS (a key of its own on routes, declared with routeField(), in ROUTE_FIELDS). The config schema, the defaults, each route's resolved options (the
// types of RouteSpec.policies and of the route keys included), coverage and the generated docs follow from these lists.

/**
 * The per-route policies in the order of the request path (DESIGN.md): access, negotiation,
 * content type and coding, size, credentials in the URL, authentication (and scopes), rate limits, login
 * lockout, body checks (the OpenAPI document's last: the body is known to parse); then the response
 * policies in the order their body hooks run (a listing is a 404 before it is a wrong type).
 */
export const ROUTE_POLICIES: readonly GuardPolicy[] = Object.freeze([
  ipAllowPolicy,
  acceptPolicy,
  contentTypePolicy,
  requestBodyPolicy,
  bodyLimitPolicy,
  queryCredentialsPolicy,
  oauthAuthorizePolicy,
  authenticationPolicy,
  scopesPolicy,
  tokenExchangePolicy,
  rateLimitPolicy,
  lockoutPolicy,
  jsonBodyPolicy,
  methodOverrideBodyPolicy,
  xmlBodyPolicy,
  yamlBodyPolicy,
  openApiValidationPolicy,
  securityHeadersPolicy,
  cookieFlagsPolicy,
  directoryListingPolicy,
  debugScrubPolicy,
  responseTypePolicy,
  responseSecretsPolicy,
]);

/**
 * Every policy that `rampart guard` registers, as metadata. `rampart checklist` computes coverage
 * from this list, so a policy counts only once it is registered here.
 */
export const GUARD_POLICIES: readonly Covering[] = Object.freeze([
  { id: normalizePolicy.id, items: normalizePolicy.items },
  { id: routingPolicy.id, items: routingPolicy.items },
  ...ROUTE_POLICIES.map((p) => ({ id: p.id, items: p.items })),
  { id: "tls-modern", items: ["ACC-02"] },
  { id: "access-log", items: ["MON-01", "MON-04"] },
  { id: "metrics", items: ["MON-02"] },
  { id: "abuse-detection", items: ["MON-05"] },
  { id: "alerts", items: ["MON-03"] },
]);

/**
 * The policies' sections of `policies:` in the config, in the order the config reference lists
 * them. The config schema (config/schema.ts), the defaults and each route's resolved options
 * (config/route-table.ts) are built from this list: a policy with options is added here, beside
 * its place in {@link ROUTE_POLICIES}, and nowhere else.
 */
export const POLICY_OPTIONS = Object.freeze([
  normalizeOptions,
  queryCredentialsOptions,
  requestBodyOptions,
  jsonBodyOptions,
  cookieFlagsOptions,
  xmlBodyOptions,
  yamlBodyOptions,
  securityHeadersOptions,
  debugScrubOptions,
  directoryListingOptions,
  responseSecretsOptions,
  responseTypeOptions,
  validationOptions,
] as const);

type Registered = (typeof POLICY_OPTIONS)[number];

/** The `policies:` section as written in the config (every key optional). */
export type PolicyOptions = {
  readonly [O in Registered as O["key"]]?: Static<O["schema"]>;
};

/** Every policy's options with every default filled in, as a route's policies read them. */
export type ResolvedPolicyOptions = {
  readonly [O in Registered as O["key"]]: Widen<O["defaults"]>;
};

/** The defaults of every policy's options, by key. */
export const POLICY_DEFAULTS = Object.freeze(
  Object.fromEntries(POLICY_OPTIONS.map((o) => [o.key, o.defaults])),
) as { readonly [O in Registered as O["key"]]: O["defaults"] };

/**
 * A route's policy options: its own (`over`) over those it inherits (`base`), each section
 * resolved by the policy that owns it.
 *
 * @example
 * ```ts
 * const defaults = resolvePolicyOptions(POLICY_DEFAULTS, config.defaults?.policies);
 * resolvePolicyOptions(defaults, { debug: { maxBytes: 0 } }).debug.maxBytes; // 0
 * ```
 */
export function resolvePolicyOptions(
  base: ResolvedPolicyOptions,
  over: PolicyOptions | undefined,
): ResolvedPolicyOptions {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const spec of listed) {
    const own = (over as Record<string, Record<string, unknown> | undefined>)[spec.key];
    if (own !== undefined) out[spec.key] = spec.resolve(out[spec.key] as object, own);
  }
  return out as ResolvedPolicyOptions;
}

/**
 * The policies' own keys on a route (beside `policies:`), in the order of the config schema:
 * each resolved by its policy into `RouteSpec.<key>`.
 */
export const ROUTE_FIELDS = Object.freeze([
  limitsField,
  oauthAuthorizeField,
  issuesTokensField,
  lockoutField,
  scopesField,
  claimsField,
] as const);

type Field = (typeof ROUTE_FIELDS)[number];

/** The route keys of policies, as {@link RouteSpec} holds them once resolved. */
export type RouteFields = {
  readonly [F in Field as F["key"]]: ReturnType<F["resolve"]>;
};

/** The route keys of policies that `defaults` may not set (a route's alone). */
export type RouteOnlyKeys = Extract<Field, { readonly inDefaults: false }>["key"];

/**
 * Resolves the policies' own keys of one route: its value, else the inherited one where
 * `defaults` may set it.
 *
 * @example
 * ```ts
 * resolveRouteFields({ path: "/a", scopes: ["x"] }, {}, report).scopes; // ["x"]
 * ```
 */
export function resolveRouteFields(
  route: object,
  defaults: object,
  report: (path: string, message: string) => void,
): RouteFields {
  const out: Record<string, unknown> = {};
  for (const field of ROUTE_FIELDS as readonly RouteFieldSpec[]) {
    const own = (route as Record<string, unknown>)[field.key];
    const inherited = field.inDefaults
      ? (defaults as Record<string, unknown>)[field.key]
      : undefined;
    out[field.key] = field.resolve(own ?? inherited, report);
  }
  return out as RouteFields;
}

// A policy's options count only once listed above: one forgotten is a developer's error, found
// by the first test that loads the guard.
const listed: readonly PolicyOptionsSpec[] = POLICY_OPTIONS;
for (const policy of [normalizePolicy, ...ROUTE_POLICIES])
  if (policy.options && !listed.includes(policy.options))
    throw new Error(`registry: the options of ${policy.id} are not in POLICY_OPTIONS`);
