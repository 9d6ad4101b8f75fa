import {
  type AuthProblemReporter,
  type CompiledAuth,
  compileAuth,
  type TrustedIssuer,
} from "../auth/compile.js";
import { forwardIdentity, stripInbound } from "../auth/forward.js";
import type { AuthConfig } from "../auth/schema.js";
import { AUTH_FAILURES, type AuthFailure, authenticate } from "../auth/verify.js";
import type { GuardPolicy, PolicyHooks, Rejection, RequestContext } from "../policy.js";
import { rejection } from "../policy.js";

const META = Object.freeze({
  id: "authentication-required",
  items: Object.freeze([
    "AUTH-01",
    "PROC-01",
    "JWT-01",
    "JWT-02",
    "JWT-03",
    "JWT-04",
    "JWT-05",
  ] as const),
  title: "401 on non-public routes without a valid bearer JWT or API key",
});

const CHALLENGE = 'Bearer realm="rampart"';
const INVALID_TOKEN = `${CHALLENGE}, error="invalid_token", error_description="The access token is invalid or expired"`;
const DETAIL = "The access token is invalid.";

/**
 * Builds the authentication policy of a compiled `guard.auth`: routes that are not public and
 * not `authentication: upstream` need a valid `Authorization: Bearer` JWT of a configured issuer
 * (not revoked) or a configured API key in its header. Without `auth` (none configured) nothing
 * passes. Refusals are 401 with a Bearer challenge (RFC 6750 3.1), never a Basic one (AUTH-01),
 * the same for every reason a token fails; the reason goes to the auth-failure metric. The
 * verified identity is set on the context and, when `auth.forward` names headers, sent upstream;
 * inbound copies of those headers are removed on every route, public ones included, and so are
 * the `_` spellings of every API key header.
 *
 * @example
 * ```ts
 * const policy = createAuthenticationPolicy(compileAuth(config, dir, report));
 * ```
 */
export function createAuthenticationPolicy(auth: CompiledAuth | undefined): GuardPolicy {
  const forward = auth?.forward;
  // CGI, PHP, WSGI and Rack read "X_Partner_Key" as the X-Partner-Key the guard checks (RFC 3875
  // 4.1.18): a key sent in that spelling would reach the upstream unchecked beside the one the
  // guard verified. The default header's spelling is removed by the normaliser already.
  const keyAliases = new Set(auth?.apiKeyHeaders ?? []);
  const strip =
    forward || keyAliases.size > 0
      ? (ctx: RequestContext): undefined => {
          const headers = ctx.req.headers;
          if (forward) stripInbound(forward, headers);
          for (const name in headers)
            if (name.includes("_") && keyAliases.has(name.replaceAll("_", "-")))
              delete headers[name];
          return undefined;
        }
      : undefined;
  const policy: GuardPolicy = {
    ...META,
    create(route): PolicyHooks | undefined {
      if (route.public || route.authentication === "upstream")
        return strip ? { onRequest: strip } : undefined;
      const refusals = refusalsOf(policy);
      if (!auth)
        return {
          onRequest: (ctx) => {
            ctx.runtime.metrics.authFailures.labels("missing").inc();
            return refusals.missing;
          },
        };
      return {
        ...(strip ? { onRequest: strip } : {}),
        onRequestAsync: async (ctx) => {
          const result = await authenticate(auth, ctx.req.headers, {
            revocations: ctx.runtime.store.revocations,
          });
          if (!result.ok) {
            ctx.runtime.metrics.authFailures.labels(result.failure).inc();
            return refusals[result.failure];
          }
          ctx.identity = result.identity;
          if (forward) forwardIdentity(forward, result.identity, ctx.req.headers);
          return undefined;
        },
      };
    },
  };
  return Object.freeze(policy);
}

/** The placeholder registered in `ROUTE_POLICIES`; {@link withAuthentication} binds the config. */
export const authenticationPolicy: GuardPolicy = createAuthenticationPolicy(undefined);

/**
 * Validates `guard.auth` (problems reported with their path under `/auth`) and replaces the
 * registered authentication policy in `policies` with one bound to it. `trusted` adds issuers
 * whose key the guard holds itself (its own tokens), checked like configured ones.
 *
 * @example
 * ```ts
 * const active = withAuthentication(ROUTE_POLICIES, config.auth, baseDir, at);
 * ```
 */
export function withAuthentication(
  policies: readonly GuardPolicy[],
  config: Readonly<AuthConfig> | undefined,
  baseDir: string,
  report: AuthProblemReporter,
  trusted: readonly TrustedIssuer[] = [],
  weakSecrets: ReadonlySet<string> = new Set(),
): readonly GuardPolicy[] {
  const auth = compileAuth(config, baseDir, report, process.env, trusted, weakSecrets);
  if (!auth) return policies;
  const bound = createAuthenticationPolicy(auth);
  return policies.map((p) => (p.id === META.id ? bound : p));
}

function refusalsOf(policy: GuardPolicy): Readonly<Record<AuthFailure, Rejection>> {
  const challenge = { "WWW-Authenticate": CHALLENGE };
  const missing = rejection(
    policy,
    401,
    "Unauthorized",
    "This route requires a bearer token or an API key.",
    challenge,
  );
  const invalid = { "WWW-Authenticate": INVALID_TOKEN };
  const invalidToken = rejection(policy, 401, "Unauthorized", DETAIL, invalid);
  // The same answer as any invalid token (no oracle); the signal is for detection only (MON-05).
  const forged = rejection(policy, 401, "Unauthorized", DETAIL, invalid, "forged-token");
  const refusals = Object.fromEntries(AUTH_FAILURES.map((f) => [f, invalidToken])) as Record<
    AuthFailure,
    Rejection
  >;
  refusals.missing = missing;
  refusals.basic = rejection(
    policy,
    401,
    "Unauthorized",
    "Basic credentials are not accepted; send a bearer token.",
    challenge,
  );
  refusals["bad-api-key"] = rejection(
    policy,
    401,
    "Unauthorized",
    "The API key is not valid.",
    challenge,
  );
  refusals.forged = forged;
  return Object.freeze(refusals);
}
