import { segmentsOf, valueAt } from "../../openapi/pointer.js";
import { parseJson } from "../discovery.js";
import { isErrorBody } from "../responses.js";
import type { Exchange, ScanRequest } from "../types.js";
import type { LoginRecipe } from "./schema.js";

/** How a token travels back to the API: an Authorization scheme, a named header, or a cookie. */
export interface Carrier {
  readonly scheme?: string;
  readonly header?: string;
  readonly cookie?: string;
}

/** What a successful login gives: a token (or a session cookie) and how to send it. */
export interface LoggedIn {
  /** The credential itself: an access token, or the session cookie's value. */
  readonly token?: string;
  readonly carrier: Carrier;
  /** Every cookie the CSRF step and the login set, sent with each request of the identity. */
  readonly cookies: ReadonlyMap<string, string>;
  /** The login's answer. */
  readonly exchange: Exchange;
  /** What was found, in words, for the report (never the credentials). */
  readonly described: string;
}

/** A login attempt: logged in, or refused with the answer and why. */
export type LoginAttempt =
  | { readonly ok: true; readonly session: LoggedIn }
  | { readonly ok: false; readonly reason: string; readonly exchange?: Exchange };

/** Sends one request without the scan's own credentials; undefined when nothing answered. */
export type Sender = (request: ScanRequest) => Promise<Exchange | undefined>;

/** Cookie names that carry a session (the same vocabulary as the EXT-02 check). */
export const SESSION_COOKIE =
  /sess|^sid$|auth|token|jwt|remember|login|^connect\.sid$|^JSESSIONID$|^PHPSESSID$|^ASP\.NET_SessionId$|^\.AspNetCore\.|^laravel_session$/i;

/** JSON members that usually hold the token of a login answer, most specific first. */
const TOKEN_KEYS = [
  "access_token",
  "accessToken",
  "token",
  "jwt",
  "auth_token",
  "authToken",
  "id_token",
  "sessionToken",
  "session_token",
  "api_token",
  "apiToken",
];
/** Response headers that hand out a token. */
const TOKEN_HEADERS = ["authorization", "x-auth-token", "x-access-token", "access-token", "token"];

/** Body fields that hold the password and the user name, for the lockout check's attempts. */
export const PASSWORD_FIELD = /^(pass(word)?|passwd|pwd|secret|pin)$/i;
export const USERNAME_FIELD =
  /^(user(name)?|login|email|e-?mail|name|account|user_?id|uid|identifier|handle)$/i;

/**
 * Runs a login recipe: the CSRF step when there is one, then the login (JSON, form, or an OAuth
 * grant), then finds the token where the recipe says, or by itself (a token-like member at any
 * depth, a token header, a session cookie). `override` replaces the username and password in
 * the body (the lockout check's attempts). Never throws for a refused login: the attempt says
 * why, with the answer.
 *
 * @example
 * ```ts
 * const attempt = await performLogin((r) => http.trySend({ ...r, anonymous: true }), recipe);
 * if (attempt.ok) headers = credentialHeaders(attempt.session);
 * ```
 */
export async function performLogin(
  send: Sender,
  recipe: LoginRecipe,
  override?: { readonly username?: string; readonly password?: string },
): Promise<LoginAttempt> {
  const jar = new Map<string, string>();
  if (recipe.grant) return grantLogin(send, recipe, jar, override);
  const extra: { field?: [string, string]; header?: [string, string] } = {};
  if (recipe.csrf) {
    const step = await send({
      url: recipe.csrf.path,
      headers: { accept: "text/html, application/json" },
    });
    if (!step) return { ok: false, reason: `the CSRF step GET ${recipe.csrf.path} got no answer` };
    keepCookies(jar, step);
    const value = csrfValue(step, recipe.csrf.from, jar);
    if (value === undefined)
      return {
        ok: false,
        reason: `no CSRF token in the answer to GET ${recipe.csrf.path}`,
        exchange: step,
      };
    const field = recipe.csrf.field ?? recipe.csrf.from?.input;
    if (field) extra.field = [field, value];
    const header =
      recipe.csrf.header ?? (recipe.csrf.from?.cookie && !field ? "x-xsrf-token" : undefined);
    if (header) extra.header = [header, value];
  }
  const request = loginRequest(recipe, override, extra, jar);
  const answer = await send(request);
  if (!answer) return { ok: false, reason: `${request.method} ${recipe.path} got no answer` };
  keepCookies(jar, answer);
  return judge(answer, recipe, jar, `${request.method} ${recipe.path}`);
}

/** The headers that carry a session's credential (or another token, sent the same way). */
export function credentialHeaders(
  session: LoggedIn,
  token = session.token,
): Record<string, string> {
  const cookies = new Map(session.cookies);
  const headers: Record<string, string> = {};
  const { carrier } = session;
  if (token !== undefined) {
    if (carrier.cookie) cookies.set(carrier.cookie, token);
    else if (carrier.header) headers[carrier.header.toLowerCase()] = token;
    else headers.authorization = `${carrier.scheme ?? "Bearer"} ${token}`;
  }
  if (cookies.size > 0)
    headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  return headers;
}

/** The carrier in words: `Authorization: Token`, `header X-Auth-Token`, `cookie sid`. */
export function carrierText(carrier: Carrier): string {
  if (carrier.cookie) return `cookie ${carrier.cookie}`;
  if (carrier.header) return `header ${carrier.header}`;
  return `Authorization: ${carrier.scheme ?? "Bearer"}`;
}

function loginRequest(
  recipe: LoginRecipe,
  override: { readonly username?: string; readonly password?: string } | undefined,
  extra: { field?: [string, string]; header?: [string, string] },
  jar: ReadonlyMap<string, string>,
): ScanRequest & { method: string } {
  const method = recipe.method ?? "POST";
  const headers: Record<string, string> = { accept: "application/json, text/html;q=0.8" };
  if (extra.header) headers[extra.header[0].toLowerCase()] = extra.header[1];
  if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  if (recipe.form) {
    const form = new URLSearchParams(
      replaceCredentials(recipe.form, override) as Record<string, string>,
    );
    if (extra.field) form.set(extra.field[0], extra.field[1]);
    return {
      method,
      url: recipe.path ?? "/",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    };
  }
  const body = replaceCredentials(recipe.body ?? {}, override) as Record<string, unknown>;
  if (extra.field) body[extra.field[0]] = extra.field[1];
  return {
    method,
    url: recipe.path ?? "/",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** A copy of a login body with the password (and user name) fields replaced, at any depth. */
function replaceCredentials(
  body: Readonly<Record<string, unknown>>,
  override?: { readonly username?: string; readonly password?: string },
): Record<string, unknown> {
  if (!override) return structuredClone(body) as Record<string, unknown>;
  const visit = (value: unknown): unknown => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (typeof v === "string" && PASSWORD_FIELD.test(k) && override.password !== undefined)
          return [k, override.password];
        if (typeof v === "string" && USERNAME_FIELD.test(k) && override.username !== undefined)
          return [k, override.username];
        return [k, visit(v)];
      }),
    );
  };
  return visit(body) as Record<string, unknown>;
}

/** Decides whether an answer logged in, and what the credential is. */
function judge(
  answer: Exchange,
  recipe: Pick<LoginRecipe, "token" | "tokenField" | "send" | "path" | "tokenUrl">,
  jar: Map<string, string>,
  what: string,
): LoginAttempt {
  const refused = (reason: string): LoginAttempt => ({ ok: false, reason, exchange: answer });
  if (answer.status >= 400) return refused(`${what} answered ${answer.status}`);
  if (answer.status >= 300) {
    const location = answer.headers.location ?? "";
    const back = new URL(location || "/", answer.url).pathname;
    const login = new URL(answer.url).pathname;
    if (!location || back === login || /login|signin|sign-in|error|fail|denied/i.test(back))
      return refused(`${what} redirected back to ${back} (a refused login)`);
  } else if (isErrorBody(answer.body)) {
    return refused(`${what} answered ${answer.status} with an error body`);
  }
  const found = tokenOf(answer, recipe);
  if (found.token !== undefined) {
    const carrier: Carrier = recipe.send ?? found.carrier ?? { scheme: "Bearer" };
    return {
      ok: true,
      session: {
        token: found.token,
        carrier,
        cookies: found.carrier?.cookie ? withoutCookie(jar, found.carrier.cookie) : jar,
        exchange: answer,
        described: `${what}: ${found.where}, sent as ${carrierText(carrier)}`,
      },
    };
  }
  if (recipe.token || recipe.tokenField)
    return refused(`${what} answered ${answer.status} without the token where the recipe says`);
  return refused(`${what} answered ${answer.status} with no token, token header or session cookie`);
}

function withoutCookie(jar: ReadonlyMap<string, string>, name: string): Map<string, string> {
  const copy = new Map(jar);
  copy.delete(name);
  return copy;
}

/** The token of an answer: where the recipe says, else the first place a token usually is. */
function tokenOf(
  answer: Exchange,
  recipe: Pick<LoginRecipe, "token" | "tokenField" | "send">,
): { token?: string; where: string; carrier?: Carrier } {
  const json = parseJson(answer.body);
  const text = (v: unknown) => (typeof v === "string" && v.length >= 8 ? v : undefined);
  if (recipe.tokenField)
    return {
      ...maybe(text(isRecord(json) ? json[recipe.tokenField] : undefined)),
      where: `token in the field ${recipe.tokenField}`,
    };
  const from = recipe.token;
  if (from?.pointer !== undefined)
    return {
      ...maybe(text(valueAt(json, segmentsOf(from.pointer)))),
      where: `token at ${from.pointer}`,
    };
  if (from?.header)
    return {
      ...maybe(stripScheme(answer.headers[from.header.toLowerCase()])),
      where: `token in the ${from.header} header`,
    };
  if (from?.cookie)
    return {
      ...maybe(cookiesOf(answer).get(from.cookie)),
      where: `session in the cookie ${from.cookie}`,
      carrier: { cookie: from.cookie },
    };
  const pointer = findTokenPointer(json);
  if (pointer !== undefined)
    return { token: String(valueAt(json, segmentsOf(pointer))), where: `token at ${pointer}` };
  for (const name of TOKEN_HEADERS) {
    const value = stripScheme(answer.headers[name]);
    if (value) return { token: value, where: `token in the ${name} header` };
  }
  for (const [name, value] of cookiesOf(answer))
    if (SESSION_COOKIE.test(name))
      return { token: value, where: `session in the cookie ${name}`, carrier: { cookie: name } };
  return { where: "no token" };
}

function maybe(token: string | undefined): { token?: string } {
  return token === undefined ? {} : { token };
}

function stripScheme(value: string | undefined): string | undefined {
  const token = value?.replace(/^(Bearer|Token|JWT)\s+/i, "").trim();
  return token && token.length >= 8 ? token : undefined;
}

/** The JSON pointer of the first token-like member, breadth first, a few levels deep. */
function findTokenPointer(json: unknown): string | undefined {
  let level: [string, unknown][] = [["", json]];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    for (const key of TOKEN_KEYS)
      for (const [pointer, value] of level)
        if (isRecord(value) && typeof value[key] === "string" && String(value[key]).length >= 8)
          return `${pointer}/${key}`;
    level = level.flatMap(([pointer, value]) =>
      isRecord(value)
        ? Object.entries(value).map(([k, v]): [string, unknown] => [`${pointer}/${k}`, v])
        : [],
    );
  }
  return undefined;
}

/** OAuth 2 grants (RFC 6749 4.3, 4.4) against a token endpoint; the token is `access_token`. */
async function grantLogin(
  send: Sender,
  recipe: LoginRecipe,
  jar: Map<string, string>,
  override?: { readonly username?: string; readonly password?: string },
): Promise<LoginAttempt> {
  const form = new URLSearchParams({ grant_type: recipe.grant ?? "password" });
  if (recipe.grant === "password") {
    form.set("username", override?.username ?? recipe.username ?? "");
    form.set("password", override?.password ?? recipe.password ?? "");
  }
  if (recipe.scope) form.set("scope", recipe.scope);
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
  };
  if ((recipe.clientAuth ?? "basic") === "basic") {
    // RFC 6749 2.3.1: the client id and secret, form-urlencoded, then Basic.
    const id = encodeURIComponent(recipe.clientId ?? "");
    const secret = encodeURIComponent(recipe.clientSecret ?? "");
    headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
  } else {
    form.set("client_id", recipe.clientId ?? "");
    if (recipe.clientSecret) form.set("client_secret", recipe.clientSecret);
  }
  const url = recipe.tokenUrl ?? "/";
  const answer = await send({ method: "POST", url, headers, body: form.toString() });
  if (!answer) return { ok: false, reason: `POST ${url} got no answer` };
  keepCookies(jar, answer);
  return judge(
    answer,
    { ...recipe, token: { pointer: "/access_token" } },
    jar,
    `POST ${url} (${recipe.grant} grant)`,
  );
}

/** The cookies an answer sets (cleared ones left out). */
export function cookiesOf(exchange: Exchange): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of exchange.setCookies) {
    const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const cleared = attributes.some((a) => /^max-age=0$|^expires=.*19[789]\d/i.test(a));
    const value = pair.slice(at + 1);
    if (!cleared && value !== "") cookies.set(pair.slice(0, at), value);
  }
  return cookies;
}

function keepCookies(jar: Map<string, string>, exchange: Exchange): void {
  for (const [name, value] of cookiesOf(exchange)) jar.set(name, value);
}

function csrfValue(
  step: Exchange,
  from: NonNullable<LoginRecipe["csrf"]>["from"],
  jar: ReadonlyMap<string, string>,
): string | undefined {
  if (from?.cookie) return jar.get(from.cookie);
  if (from?.header) return step.headers[from.header.toLowerCase()];
  if (from?.pointer !== undefined) {
    const value = valueAt(parseJson(step.body), segmentsOf(from.pointer));
    return typeof value === "string" ? value : undefined;
  }
  const name = from?.input ?? "_csrf|csrf_token|csrfmiddlewaretoken|_token|authenticity_token";
  return htmlValue(step.body, name);
}

/** The value of an `<input name=...>` or `<meta name=... content=...>` (names as a regex). */
function htmlValue(html: string, names: string): string | undefined {
  const name = `(?:${names.replace(/[.*+?^${}()[\]\\]/g, "\\$&").replace(/\\\|/g, "|")})`;
  const patterns = [
    new RegExp(`<input[^>]*name=["']${name}["'][^>]*value=["']([^"']*)["']`, "i"),
    new RegExp(`<input[^>]*value=["']([^"']*)["'][^>]*name=["']${name}["']`, "i"),
    new RegExp(`<meta[^>]*name=["']${name}["'][^>]*content=["']([^"']*)["']`, "i"),
  ];
  for (const pattern of patterns) {
    const value = pattern.exec(html)?.[1];
    if (value) return value;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
