import { decodeJwt } from "jose";
import { problem } from "../http/problem.js";
import type { DemoContext, DemoRequest, DemoResponse, DemoUser, Principal } from "../types.js";
import { cookie, SESSION_COOKIE } from "./authenticate.js";
import { bearerChallenge } from "./challenge.js";
import { sessionCookie } from "./cookies.js";
import type { Grant } from "./grants.js";
import { matchesCondition } from "./operators.js";
import { passwordMatches } from "./passwords.js";
import { readJson } from "./responses.js";
import { scopesOfRole, signLoginToken } from "./tokens.js";

/**
 * `POST /auth/login` with `{"username", "password"}`: a 200 token response (the shape of
 * RFC 6749 5.1) plus the `sid` session cookie. Every failure says the same thing whether the
 * user exists or not; after 5 consecutive failures the username is locked (429 + Retry-After)
 * unless `no-lockout` is on.
 *
 * @example
 * ```ts
 * // POST /auth/login {"username":"alice","password":"..."}
 * // 200 {"access_token":"eyJ...","token_type":"Bearer","expires_in":600,
 * //      "refresh_token":"...","scope":"orders:read orders:write profile"}
 * ```
 */
export async function login(request: DemoRequest, context: DemoContext): Promise<DemoResponse> {
  const body = readJson(request, context);
  if (!body.ok) return body.response;
  const { username, password } = isObject(body.value) ? body.value : {};
  const lax = context.has("nosql-injection");
  if (!lax && (typeof username !== "string" || typeof password !== "string")) {
    return problem(400, "username and password are required and must be strings.");
  }
  if (username === undefined || password === undefined) {
    return problem(400, "username and password are required.");
  }
  const state = context.auth;
  const key = typeof username === "string" ? username : JSON.stringify(username);
  const retryAfter = state.lockout.retryAfter(key);
  if (retryAfter > 0) {
    const headers = { "Retry-After": String(retryAfter) };
    return problem(429, "Too many failed login attempts; try again later.", {}, headers);
  }
  const user = lax
    ? findByQuery(context, username, password)
    : await findByPassword(context, username, password);
  // A disabled account fails like a wrong password: the answer tells nothing about accounts.
  if (!user || user.disabled) {
    state.lockout.fail(key);
    const headers = { "WWW-Authenticate": bearerChallenge(context) };
    return problem(401, "Invalid username or password.", {}, headers);
  }
  state.lockout.succeed(key);
  const grant = state.grants.open(user.id, scopesOfRole(user));
  const session = state.sessions.create(user.id, grant.id);
  const tokens = await tokenResponse(context, user, grant);
  return {
    ...tokens,
    headers: { ...tokens.headers, "Set-Cookie": sessionCookie(context, request, session.sid) },
  };
}

/**
 * `POST /auth/refresh` with `{"refresh_token"}`: a new access token and a new refresh token; the
 * old one is spent, and spending it twice revokes the grant (RFC 9700 4.14.2).
 *
 * @example
 * ```ts
 * // POST /auth/refresh {"refresh_token":"..."}
 * // 200 {"access_token":"eyJ...","refresh_token":"(a new one)",...}
 * ```
 */
export async function refresh(request: DemoRequest, context: DemoContext): Promise<DemoResponse> {
  const body = readJson(request, context);
  if (!body.ok) return body.response;
  const token = isObject(body.value) ? body.value.refresh_token : undefined;
  if (typeof token !== "string") {
    return problem(400, "refresh_token is required and must be a string.");
  }
  const state = context.auth;
  const rotated = state.grants.rotateRefreshToken(token);
  const user = rotated ? context.store.findUserById(rotated.grant.userId) : undefined;
  if (!rotated || !user || user.disabled) {
    const headers = { "WWW-Authenticate": bearerChallenge(context) };
    return problem(401, "The refresh token is invalid or expired.", {}, headers);
  }
  return tokenResponse(context, user, rotated.grant, rotated.refreshToken);
}

/**
 * `POST /auth/logout`: revokes the login grant of the presented access token or session cookie
 * (its access tokens, refresh tokens and sessions) and expires the cookie; 204.
 *
 * @example
 * ```ts
 * // POST /auth/logout (Authorization: Bearer eyJ...) -> 204, Set-Cookie: sid=; ...; Max-Age=0
 * ```
 */
export function logout(
  request: DemoRequest,
  context: DemoContext,
  principal: Principal | undefined,
): DemoResponse {
  const state = context.auth;
  const grants: (Grant | undefined)[] = [];
  const token = principal?.scheme === "bearer" ? presentedToken(request) : undefined;
  if (token !== undefined) {
    const jti = safeJti(token);
    if (jti !== undefined) grants.push(state.grants.grantOfAccessToken(jti));
  }
  const sid = cookie(request, SESSION_COOKIE);
  const session = sid === undefined ? undefined : state.sessions.get(sid);
  if (session) {
    state.sessions.delete(session.sid);
    grants.push(state.grants.get(session.grantId));
  }
  for (const grant of grants) {
    if (!grant) continue;
    state.grants.revoke(grant);
    state.sessions.deleteGrant(grant.id);
  }
  return { status: 204, headers: { "Set-Cookie": sessionCookie(context, request, "", true) } };
}

async function tokenResponse(
  context: DemoContext,
  user: DemoUser,
  grant: Grant,
  refreshToken?: string,
): Promise<DemoResponse> {
  const state = context.auth;
  const now = state.now();
  const issued = await signLoginToken(context, user, grant.scopes, now);
  const expiresAt = issued.expiresIn === undefined ? undefined : now + issued.expiresIn * 1000;
  state.grants.noteAccessToken(issued.jti, grant, expiresAt);
  const body: Record<string, unknown> = { access_token: issued.token, token_type: "Bearer" };
  if (issued.expiresIn !== undefined) body.expires_in = issued.expiresIn;
  body.refresh_token = refreshToken ?? state.grants.issueRefreshToken(grant);
  body.scope = grant.scopes.join(" ");
  // RFC 6749 5.1: responses carrying tokens must not be cached.
  return { status: 200, headers: { "Cache-Control": "no-store" }, body };
}

async function findByPassword(
  context: DemoContext,
  username: unknown,
  password: unknown,
): Promise<DemoUser | undefined> {
  const user = context.store.findUserByUsername(String(username));
  return (await passwordMatches(context.store, user, String(password))) ? user : undefined;
}

function findByQuery(
  context: DemoContext,
  username: unknown,
  password: unknown,
): DemoUser | undefined {
  // What `users.findOne({ username: body.username, password: body.password })` does.
  return context.store.users.find(
    (u) => matchesCondition(u.username, username) && matchesCondition(u.password, password),
  );
}

function presentedToken(request: DemoRequest): string | undefined {
  const authorization = request.headers.authorization;
  const match = typeof authorization === "string" ? /^bearer\s+(\S+)/i.exec(authorization) : null;
  if (match) return match[1];
  return (
    request.url.searchParams.get("access_token") ??
    request.url.searchParams.get("token") ??
    undefined
  );
}

function safeJti(token: string): string | undefined {
  try {
    const { jti } = decodeJwt(token);
    return typeof jti === "string" ? jti : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
