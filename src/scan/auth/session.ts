import { RampartError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import { jsonObject } from "../identities.js";
import type { CheckContext, ScanAuth, ScanOperation } from "../types.js";
import {
  carrierText,
  credentialHeaders,
  type LoggedIn,
  type LoginAttempt,
  PASSWORD_FIELD,
  type Sender,
  USERNAME_FIELD,
} from "./login.js";
import {
  logInPatiently,
  MAX_LOGIN_WAIT_MS,
  type PatienceOptions,
  type Throttled,
} from "./patience.js";
import type { Credentials, LoginRecipe } from "./schema.js";

/** Longest excerpt of a refused login's answer in the error message. */
export const LOGIN_EXCERPT_CHARS = 160;

/**
 * Runs a login recipe for the scan and returns the session, or throws ERR_LOGIN_FAILED naming
 * the request, the answer's status and a redacted excerpt of its body.
 *
 * @example
 * ```ts
 * const session = await logInOrThrow((r) => http.send({ ...r, anonymous: true }), recipe);
 * ```
 */
export async function logInOrThrow(
  send: Sender,
  recipe: LoginRecipe,
  patience: PatienceOptions = {},
): Promise<LoggedIn> {
  const { attempt, throttled } = await logInPatiently(send, recipe, patience);
  if (attempt.ok) return attempt.session;
  if (throttled) throw loginThrottled(attempt, throttled, patience.maxWaitMs ?? MAX_LOGIN_WAIT_MS);
  throw loginFailed(attempt);
}

/** The ERR_LOGIN_THROTTLED error of a login the server kept throttling. */
function loginThrottled(
  attempt: Extract<LoginAttempt, { ok: false }>,
  throttled: Throttled,
  maxWaitMs: number,
): RampartError {
  const request = attempt.exchange
    ? `${attempt.exchange.method} ${new URL(attempt.exchange.url).pathname}`
    : "the login";
  const wait =
    throttled.waitMs === undefined
      ? "without saying how long to wait (no Retry-After)"
      : `and asks to wait ${Math.ceil(throttled.waitMs / 1000)} s more (Retry-After), beyond the ${maxWaitMs / 1000} s the scan waits`;
  return new RampartError(
    "ERR_LOGIN_THROTTLED",
    `login: ${request} is throttled: it answered ${throttled.status} ${wait}; run the scan again once the server's login limit has reset`,
  );
}

/** The ERR_LOGIN_FAILED error of a refused attempt. */
export function loginFailed(attempt: Extract<LoginAttempt, { ok: false }>): RampartError {
  const body = attempt.exchange?.body.replace(/\s+/g, " ").trim() ?? "";
  const excerpt = body === "" ? "" : `: ${redact(body).slice(0, LOGIN_EXCERPT_CHARS)}`;
  return new RampartError("ERR_LOGIN_FAILED", `login: ${attempt.reason}${excerpt}`);
}

/**
 * The scan's authentication as the checks see it, from a login session: its token, the headers
 * that would carry another token the same way (forged or malformed copies), and what was done.
 */
export function authOfSession(session: LoggedIn, recipe?: LoginRecipe): ScanAuth {
  return {
    ...(session.token !== undefined ? { token: session.token } : {}),
    withToken: (token) => credentialHeaders(session, token),
    described: session.described,
    ...(recipe ? { recipe } : {}),
  };
}

/**
 * The scan's authentication from hand-made headers (`--bearer`, `--header`): the token of an
 * `Authorization: <scheme> <token>` header, or of the only credential-looking header.
 */
export function authOfHeaders(headers: Readonly<Record<string, string>>): ScanAuth | undefined {
  const auth = /^([A-Za-z][\w-]*)\s+(\S+)$/.exec(headers.authorization ?? "");
  if (auth?.[1] && auth[2] && !/^basic$/i.test(auth[1])) {
    const scheme = auth[1];
    return {
      token: auth[2],
      withToken: (token) => ({ ...headers, authorization: `${scheme} ${token}` }),
      described: `credentials given as Authorization: ${scheme}`,
    };
  }
  const names = Object.keys(headers).filter((h) => /key|token|auth|session/i.test(h));
  const [name] = names;
  if (names.length !== 1 || name === undefined) return undefined;
  return {
    token: headers[name] as string,
    withToken: (token) => ({ ...headers, [name]: token }),
    described: `credentials given in the ${name} header`,
  };
}

/** Paths a login usually answers at, when the document names none. */
export const COMMON_LOGIN_PATHS = [
  "/login",
  "/api/login",
  "/auth/login",
  "/api/auth/login",
  "/users/login",
  "/api/users/login",
  "/api/v1/login",
  "/api/v1/auth/login",
  "/signin",
  "/api/signin",
  "/session",
  "/api/session",
  "/token",
  "/api/token",
  "/oauth/token",
] as const;

const LOGIN_PATH = /login|signin|sign-in|session|token|auth/i;

/**
 * The login the scan was given: the one it logged in with, else `scan.login`, else the first
 * identity's own; undefined when none was configured (the document's may still be found).
 *
 * @example
 * ```ts
 * configuredLogin(context)?.path; // "/auth/login"
 * ```
 */
export function configuredLogin(context: CheckContext): LoginRecipe | undefined {
  return (
    context.target.auth?.recipe ??
    context.config?.login ??
    context.config?.identities?.find((i) => i.login)?.login
  );
}

/**
 * Login recipes shaped by the document: each POST whose path says login (or that is at `path`)
 * and whose body takes a password, with the credentials in the fields its schema names
 * (`identifier`, `user.email`, ...), most likely first.
 *
 * @example
 * ```ts
 * documentedLogins(target.operations, { username: "carol", password: "..." })[0]?.body;
 * // { identifier: "carol", password: "..." }
 * ```
 */
export function documentedLogins(
  operations: readonly ScanOperation[],
  credentials: Credentials,
  path?: string,
): LoginRecipe[] {
  const recipes: LoginRecipe[] = [];
  const documented = operations
    .filter(
      (op) =>
        op.method === "POST" &&
        (path === undefined ? LOGIN_PATH.test(op.path) : new URL(op.url).pathname === path),
    )
    .sort((a, b) => rankLogin(a) - rankLogin(b));
  for (const op of documented) {
    const at = new URL(op.url).pathname;
    const shaped =
      op.exampleBody !== undefined ? fill(jsonObject(op.exampleBody), credentials) : undefined;
    if (shaped) recipes.push({ path: at, body: shaped });
    else if (op.exampleForm) {
      const form = fill(op.exampleForm, credentials) as Record<string, string> | undefined;
      if (form) recipes.push({ path: at, form });
    }
  }
  return recipes;
}

/**
 * Zero-config login (`scan.credentials`): the login operation of the document (a POST whose
 * path says login and whose body takes a password), else the common paths, tried as JSON then
 * as a form, with the body the document's schema gives (nested as it says, e.g. RealWorld's
 * `{"user": {"email", "password"}}`). The token is found where the answer puts it.
 *
 * @example
 * ```ts
 * const found = await discoverLogin(send, target.operations, { username: "alice", password: "..." });
 * found?.recipe.path; // "/api/users/login"
 * ```
 */
export async function discoverLogin(
  send: Sender,
  operations: readonly ScanOperation[],
  credentials: Credentials,
): Promise<{ recipe: LoginRecipe; session: LoggedIn } | undefined> {
  const candidates: LoginRecipe[] = documentedLogins(operations, credentials);
  const fromDocument = candidates.length > 0;
  if (candidates.length === 0)
    for (const path of COMMON_LOGIN_PATHS) {
      for (const user of ["username", "email"]) {
        candidates.push({
          path,
          body: { [user]: credentials.username, password: credentials.password },
        });
      }
      candidates.push({
        path,
        form: { username: credentials.username, password: credentials.password },
      });
    }
  for (const recipe of candidates.slice(0, 24)) {
    const { attempt } = await logInPatiently(send, recipe);
    if (attempt.ok) {
      const scheme = await schemeOf(send, attempt.session, operations);
      if (!scheme || scheme === "Bearer") return { recipe, session: attempt.session };
      const carrier = { scheme };
      const session: LoggedIn = {
        ...attempt.session,
        carrier,
        described: attempt.session.described.replace(
          /sent as .*$/,
          `sent as ${carrierText(carrier)}`,
        ),
      };
      return { recipe: { ...recipe, send: carrier }, session };
    }
    // A 404 or 405 means no login there; anything else is a login that said no.
    if (attempt.exchange && ![404, 405].includes(attempt.exchange.status) && fromDocument) break;
  }
  return undefined;
}

/** Authorization schemes tried when a token found by itself is refused as Bearer. */
export const SCHEMES = ["Bearer", "Token", "JWT"] as const;

/**
 * The Authorization scheme a protected read of the document takes the token with: Bearer
 * (RFC 6750) first, then the `Token` and `JWT` words some frameworks read instead.
 */
async function schemeOf(
  send: Sender,
  session: LoggedIn,
  operations: readonly ScanOperation[],
): Promise<string | undefined> {
  if (session.token === undefined || session.carrier.cookie || session.carrier.header)
    return undefined;
  const probe = operations.find(
    (op) => op.secured && op.method === "GET" && !/\{[^}]+\}/.test(op.path),
  );
  if (!probe) return undefined;
  for (const scheme of SCHEMES) {
    const answer = await send({
      url: probe.url,
      headers: { authorization: `${scheme} ${session.token}`, accept: "application/json" },
    });
    if (answer && answer.status >= 200 && answer.status < 300) return scheme;
  }
  return undefined;
}

function rankLogin(op: ScanOperation): number {
  return /login|signin|sign-in/i.test(op.path) ? 0 : /token|session/i.test(op.path) ? 1 : 2;
}

/** The example body with its password and user fields set, or undefined when it has no password. */
function fill(
  body: Readonly<Record<string, unknown>> | undefined,
  credentials: Credentials,
): Record<string, unknown> | undefined {
  if (!body) return undefined;
  let hasPassword = false;
  const visit = (value: unknown): unknown => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (PASSWORD_FIELD.test(k)) {
          hasPassword = true;
          return [k, credentials.password];
        }
        if (USERNAME_FIELD.test(k) && (typeof v === "string" || v === null))
          return [k, credentials.username];
        return [k, visit(v)];
      }),
    );
  };
  const filled = visit(body) as Record<string, unknown>;
  return hasPassword ? filled : undefined;
}

/** What the report says about the login, in one line. */
export function loginLine(session: LoggedIn, discovered: boolean): string {
  return `${discovered ? "found by itself: " : ""}${session.described}`;
}
