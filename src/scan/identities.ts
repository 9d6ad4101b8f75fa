import { credentialHeaders, USERNAME_FIELD } from "./auth/login.js";
import { logInPatiently } from "./auth/patience.js";
import type { ScanConfig } from "./config.js";
import type { LoginRecipe, ScanOptions } from "./options.js";
import type { CheckContext, Exchange, ScanRequest } from "./types.js";

/** A configured identity, logged in: its credentials as headers and, when known, its user id. */
export interface Identity {
  readonly name: string;
  readonly admin: boolean;
  /** The credentials to send (an Authorization header, a named header, cookies); redact before showing. */
  readonly headers: Readonly<Record<string, string>>;
  /** Its credential token (an access token, a session cookie's value), when it has one. */
  readonly token?: string;
  /** The user's own id, from the token's `sub` claim or a `/me` answer, when found. */
  readonly userId?: string;
  /** The name it logs in with (user name or email), when its configuration says. */
  readonly username?: string;
}

/** The identities of a scan, or why there are none. */
export interface Identities {
  readonly list: readonly Identity[];
  /** Why some identities could not be used (login refused), empty when all logged in. */
  readonly problems: readonly string[];
}

/**
 * The scan options the `scan:` section implies: the login recipe (`scan.login`, else the first
 * identity's) or the first identity's bearer token, and the section itself for the checks.
 *
 * @example
 * ```ts
 * scanConfigOptions({ identities: [{ name: "alice", bearer: "t0k3n" }] }, false); // { config, bearer: "t0k3n" }
 * ```
 */
export function scanConfigOptions(
  scan: Readonly<ScanConfig>,
  bearerGiven: boolean,
): Pick<ScanOptions, "config" | "login" | "bearer" | "headers"> {
  const primary = scan.identities?.[0];
  const login: LoginRecipe | undefined = scan.login ?? primary?.login;
  if (bearerGiven) return { config: scan };
  if (login) return { config: scan, login };
  if (primary?.bearer) return { config: scan, bearer: primary.bearer };
  const headers = handMade(primary);
  if (headers) return { config: scan, headers };
  return { config: scan };
}

/** The headers of an identity's hand-made credentials (`headers:` or `cookies:`). */
function handMade(
  spec: NonNullable<ScanConfig["identities"]>[number] | undefined,
): Record<string, string> | undefined {
  if (spec?.headers)
    return Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (spec?.cookies)
    return {
      cookie: Object.entries(spec.cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join("; "),
    };
  return undefined;
}

/**
 * Logs every configured identity in once per scan (shared between checks). Each login is one
 * JSON POST sent without the scan's own credentials.
 *
 * @example
 * ```ts
 * const { list } = await identitiesOf(context);
 * if (list.length < 2) return notTested("needs two identities (scan.identities)");
 * ```
 */
export function identitiesOf(context: CheckContext): Promise<Identities> {
  return context.shared("identities", async () => {
    const list: Identity[] = [];
    const problems: string[] = [];
    for (const spec of context.config?.identities ?? []) {
      const credentials = await credentialsOf(context, spec);
      if (!credentials) {
        problems.push(`identity "${spec.name}" could not log in`);
        continue;
      }
      const { headers, token } = credentials;
      const userId = (token ? subjectOf(token) : undefined) ?? (await ownId(context, headers));
      const username = loginName(spec);
      list.push({
        name: spec.name,
        admin: spec.admin === true,
        headers,
        ...(token !== undefined ? { token } : {}),
        ...(userId !== undefined ? { userId } : {}),
        ...(username !== undefined ? { username } : {}),
      });
    }
    return { list, problems };
  });
}

/**
 * Sends a request as an identity (its credentials only, never the scan's), or with no
 * credentials at all when `identity` is undefined.
 *
 * @example
 * ```ts
 * const exchange = await sendAs(context, bob, { url: "/api/orders/1001" });
 * ```
 */
export function sendAs(
  context: CheckContext,
  identity: Identity | undefined,
  request: ScanRequest,
): Promise<Exchange | undefined> {
  return context.http.trySend({
    ...request,
    anonymous: true,
    headers: { ...(request.headers ?? {}), ...(identity?.headers ?? {}) },
  });
}

/** The credentials of one configured identity: logged in, or hand-made. */
async function credentialsOf(
  context: CheckContext,
  spec: NonNullable<ScanConfig["identities"]>[number],
): Promise<{ headers: Record<string, string>; token?: string } | undefined> {
  if (spec.bearer)
    return { headers: { authorization: `Bearer ${spec.bearer}` }, token: spec.bearer };
  const made = handMade(spec);
  if (made) return { headers: made };
  // A username and password alone: the scan's own login (configured or found), as this user.
  const recipe =
    spec.login ??
    (spec.credentials ? (context.target.auth?.recipe ?? context.config?.login) : undefined);
  if (!recipe) return undefined;
  const { attempt } = await logInPatiently(
    (request) => context.http.trySend({ ...request, anonymous: true }),
    recipe,
    {
      ...(spec.login || !spec.credentials ? {} : { override: spec.credentials }),
      signal: context.signal,
    },
  );
  if (!attempt.ok) return undefined;
  const { session } = attempt;
  return {
    headers: credentialHeaders(session),
    ...(session.token !== undefined ? { token: session.token } : {}),
  };
}

/** Claims that name the caller, in the order trusted: RFC 7519's `sub`, then common names. */
const SUBJECT_CLAIMS = ["sub", "id", "user_id", "userId", "uid"] as const;

/**
 * The caller's id in a JWT's claims, read without verifying: it only names the caller for
 * comparisons.
 */
function subjectOf(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (token.split(".").length !== 3 || !payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    for (const name of SUBJECT_CLAIMS) {
      const value = claims[name];
      if (typeof value === "string" || typeof value === "number") return String(value);
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** The caller's id from a `GET .../me` operation of the document, when there is one. */
async function ownId(
  context: CheckContext,
  headers: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  const me = context.target.operations.find((o) => o.method === "GET" && /\/me\/?$/.test(o.path));
  if (!me) return undefined;
  const exchange = await context.http.trySend({ url: me.url, anonymous: true, headers });
  const id = exchange && exchange.status === 200 ? jsonObject(exchange.body)?.id : undefined;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

/**
 * Parses a JSON object body; undefined for anything else.
 *
 * @example
 * ```ts
 * jsonObject('{"id":1}')?.id; // 1
 * ```
 */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The user name (or email) an identity logs in with: its credentials, or its login's fields. */
function loginName(spec: NonNullable<ScanConfig["identities"]>[number]): string | undefined {
  if (spec.credentials?.username) return spec.credentials.username;
  const login = spec.login;
  if (!login) return undefined;
  if ("username" in login && typeof login.username === "string") return login.username;
  const fields: Record<string, unknown> = { ...(login.form ?? {}), ...flat(login.body ?? {}) };
  const key = Object.keys(fields).find(
    (k) => USERNAME_FIELD.test(k) && typeof fields[k] === "string",
  );
  return key === undefined ? undefined : (fields[key] as string);
}

/** The members of a JSON body and of the objects it wraps (`{"user": {"email": ...}}`). */
function flat(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, flat(v as Record<string, unknown>));
    else out[k] = v;
  }
  return out;
}
