import { type AuthProblemReporter, type CompiledAuth, compileAuth } from "../auth/compile.js";
import type { AuthConfig } from "../auth/schema.js";
import { type AuthFailure, authenticate } from "../auth/verify.js";
import type { GuardPolicy, Rejection } from "../policy.js";
import { rejection } from "../policy.js";

const META = Object.freeze({
  id: "authentication-required",
  items: Object.freeze(["AUTH-01", "JWT-01", "JWT-02", "JWT-03", "JWT-04", "JWT-05"] as const),
  title: "401 on non-public routes without a valid bearer JWT or API key",
});

const CHALLENGE = 'Bearer realm="rampart"';

/**
 * Builds the authentication policy of a compiled `guard.auth`: routes that are not public and
 * not `authentication: upstream` need a valid `Authorization: Bearer` JWT of a configured issuer
 * or a configured API key in its header. Without `auth` (none configured) nothing passes.
 * Refusals are 401 with a Bearer challenge (RFC 6750 3.1), never a Basic one (AUTH-01).
 *
 * @example
 * ```ts
 * const policy = createAuthenticationPolicy(compileAuth(config.auth, dir, report));
 * ```
 */
export function createAuthenticationPolicy(auth: CompiledAuth | undefined): GuardPolicy {
  const policy: GuardPolicy = {
    ...META,
    create(route) {
      if (route.public || route.authentication === "upstream") return undefined;
      const refusals = refusalsOf(policy);
      if (!auth) return { onRequest: () => refusals.missing };
      return {
        onRequestAsync: async (ctx) => {
          const result = await authenticate(auth, ctx.req.headers);
          return result.ok ? undefined : refusals[result.failure];
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
 * registered authentication policy in `policies` with one bound to it.
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
): readonly GuardPolicy[] {
  const auth = compileAuth(config, baseDir, report);
  if (!auth) return policies;
  const bound = createAuthenticationPolicy(auth);
  return policies.map((p) => (p.id === META.id ? bound : p));
}

function refusalsOf(policy: GuardPolicy): Readonly<Record<AuthFailure, Rejection>> {
  return Object.freeze({
    missing: rejection(
      policy,
      401,
      "Unauthorized",
      "This route requires a bearer token or an API key.",
      { "WWW-Authenticate": CHALLENGE },
    ),
    basic: rejection(
      policy,
      401,
      "Unauthorized",
      "Basic credentials are not accepted; send a bearer token.",
      { "WWW-Authenticate": CHALLENGE },
    ),
    "invalid-token": rejection(policy, 401, "Unauthorized", "The access token is invalid.", {
      "WWW-Authenticate": `${CHALLENGE}, error="invalid_token", error_description="The access token is invalid or expired"`,
    }),
    "invalid-key": rejection(policy, 401, "Unauthorized", "The API key is not valid.", {
      "WWW-Authenticate": CHALLENGE,
    }),
  });
}
