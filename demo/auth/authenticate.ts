import type { AuthOutcome, DemoContext, DemoRequest, DemoUser, Principal } from "../types.js";
import { bearerChallenge } from "./challenge.js";
import { passwordMatches } from "./passwords.js";
import { scopesOfRole } from "./tokens.js";
import { verifyAccessToken } from "./verify.js";

/** Query parameters that carry credentials; checklist IN-05 wants none of them in a URL. */
export const CREDENTIAL_QUERY_PARAMS: readonly string[] = [
  "access_token",
  "api_key",
  "apikey",
  "token",
  "password",
];

/** The name of the session cookie. */
export const SESSION_COOKIE = "sid";

/**
 * Resolves the caller of a request, trying in order: the `Authorization` header (Bearer JWT, or
 * Basic with `basic-auth`), `X-API-Key`, the `sid` session cookie, and with `api-key-in-query`
 * the `access_token` / `api_key` / `apikey` query parameters. Credentials that are present but
 * wrong fail at once; they never fall through to the next source.
 *
 * Failures follow RFC 6750 3.1: no credentials, or an unsupported scheme, get a bare
 * `Bearer realm="demo"` challenge; a bad token gets `error="invalid_token"`; credentials in the
 * query string (refused when `api-key-in-query` is off, RFC 6750 2.3 / RFC 9700 2.4.3) get a 400
 * with `error="invalid_request"` rather than being silently ignored.
 *
 * @example
 * ```ts
 * const outcome = await authenticate(request, context);
 * if (!outcome.ok) {
 *   return { status: outcome.status, headers: { "WWW-Authenticate": outcome.challenge } };
 * }
 * ```
 */
export async function authenticate(
  request: DemoRequest,
  context: DemoContext,
): Promise<AuthOutcome> {
  const inQuery = CREDENTIAL_QUERY_PARAMS.filter((name) => request.url.searchParams.has(name));
  if (inQuery.length > 0 && !context.has("api-key-in-query")) {
    const reason = `credentials must not be sent in the URL (${inQuery.join(", ")})`;
    return {
      ok: false,
      status: 400,
      error: sentence(reason),
      challenge: bearerChallenge(context, "invalid_request", reason),
    };
  }

  const authorization = header(request, "authorization");
  if (authorization !== undefined) {
    const [scheme = "", ...rest] = authorization.trim().split(/\s+/);
    const credentials = rest.join(" ");
    if (/^bearer$/i.test(scheme)) {
      if (credentials === "") return failure(context, "the Bearer token is missing");
      return fromToken(credentials, context);
    }
    // RFC 6750 3.1: an unsupported method is answered like missing credentials, no error code.
    if (!/^basic$/i.test(scheme)) {
      return failure(context, `the ${scheme} scheme is not supported; send a Bearer token`);
    }
    if (!context.has("basic-auth")) {
      return failure(context, "HTTP Basic authentication is not supported; send a Bearer token");
    }
    return fromBasic(credentials, context);
  }

  const apiKey = header(request, "x-api-key");
  if (apiKey !== undefined) return fromApiKey(apiKey, context);

  const sid = cookie(request, SESSION_COOKIE);
  if (sid !== undefined) return fromSession(sid, context);

  if (context.has("api-key-in-query")) {
    const params = request.url.searchParams;
    const token = params.get("access_token") ?? params.get("token");
    if (token !== null) return fromToken(token, context);
    const key = params.get("api_key") ?? params.get("apikey");
    if (key !== null) return fromApiKey(key, context);
  }
  return failure(context, "authentication required");
}

async function fromToken(token: string, context: DemoContext): Promise<AuthOutcome> {
  const state = context.auth;
  const check = await verifyAccessToken(token, context, state.now());
  if (!check.ok) {
    const description =
      check.reason === "expired" ? "the access token expired" : "the access token is invalid";
    return failure(context, description, "invalid_token");
  }
  const { sub, jti, scope } = check.claims;
  const user = typeof sub === "string" ? context.store.findUserById(sub) : undefined;
  if (!user || user.disabled || (typeof jti === "string" && state.grants.isRevoked(jti))) {
    return failure(context, "the access token is invalid", "invalid_token");
  }
  const scopes = typeof scope === "string" ? scope.split(" ").filter((s) => s !== "") : [];
  return success(user, "bearer", scopes);
}

async function fromBasic(credentials: string, context: DemoContext): Promise<AuthOutcome> {
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return failure(context, "malformed Basic credentials");
  const username = decoded.slice(0, colon);
  const { lockout } = context.auth;
  if (lockout.retryAfter(username) > 0) return failure(context, "invalid username or password");
  const user = context.store.findUserByUsername(username);
  if (
    !(await passwordMatches(context.store, user, decoded.slice(colon + 1))) ||
    !user ||
    user.disabled
  ) {
    lockout.fail(username);
    return failure(context, "invalid username or password");
  }
  lockout.succeed(username);
  return success(user, "basic", scopesOfRole(user));
}

function fromApiKey(key: string, context: DemoContext): AuthOutcome {
  const user = key === "" ? undefined : context.store.findUserByApiKey(key);
  return user && !user.disabled
    ? success(user, "api-key", scopesOfRole(user))
    : failure(context, "invalid API key");
}

function fromSession(sid: string, context: DemoContext): AuthOutcome {
  const state = context.auth;
  const session = state.sessions.get(sid);
  const user = session ? context.store.findUserById(session.userId) : undefined;
  if (!session || !user || user.disabled)
    return failure(context, "the session expired or is unknown");
  return success(user, "session", scopesOfRole(user));
}

function success(
  user: DemoUser,
  scheme: Principal["scheme"],
  scopes: readonly string[],
): AuthOutcome {
  return { ok: true, principal: { user, scheme, scopes } };
}

function failure(context: DemoContext, reason: string, code?: "invalid_token"): AuthOutcome {
  return {
    ok: false,
    status: 401,
    error: sentence(reason),
    challenge: bearerChallenge(context, code, code ? reason : undefined),
  };
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function header(request: DemoRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The value of a cookie in the request's `Cookie` header (RFC 6265 5.4), if present.
 *
 * @example
 * ```ts
 * cookie(request, "sid"); // "sess-000001" for "Cookie: theme=dark; sid=sess-000001"
 * ```
 */
export function cookie(request: DemoRequest, name: string): string | undefined {
  const raw = header(request, "cookie");
  if (raw === undefined) return undefined;
  for (const pair of raw.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
