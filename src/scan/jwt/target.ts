import { createPublicKey, type JsonWebKey } from "node:crypto";
import { OWN_RECORD_PATH } from "../../vocabulary/names.js";
import { resolve } from "../http.js";
import { identitiesOf, sendAs } from "../identities.js";
import { isErrorBody } from "../responses.js";
import type { CheckContext, Exchange, ScanRequest, ScanTarget } from "../types.js";
import { configuredPublicKey } from "./settings.js";
import { type DecodedJwt, decodeJwt } from "./token.js";

/** Why the token checks did not run: neither the scan nor an identity holds a JWT. */
export const NOT_A_JWT =
  "neither the scan's credential nor an identity's token is a JWT (give one with --bearer, a login recipe or a scan.identities login)";

export interface ScanToken {
  readonly token: string;
  readonly jwt: DecodedJwt;
}

/**
 * The bearer token of the scan (from `--bearer`, `--header "Authorization: Bearer ..."` or the
 * login recipe), read from the credentials of an authenticated exchange of discovery, when it
 * is a JWT.
 *
 * @example
 * ```ts
 * const own = scanToken(context.target);
 * if (!own) return notTested("no JWT bearer token");
 * ```
 */
export function scanToken(target: ScanTarget): ScanToken | undefined {
  const given = target.auth?.token;
  const decoded = given ? decodeJwt(given) : undefined;
  if (given && decoded) return { token: given, jwt: decoded };
  for (const { exchange, authenticated } of target.observed) {
    if (!authenticated) continue;
    const token = /^Bearer\s+(\S+)$/i.exec(exchange.requestHeaders.authorization ?? "")?.[1];
    const jwt = token ? decodeJwt(token) : undefined;
    if (token && jwt) return { token, jwt };
  }
  return undefined;
}

/**
 * A JWT the scan holds, with the way it travels: the scan's own credential, or else the first
 * identity whose login gave it one (an API whose JWT comes from a second login). The token
 * checks attack this token, and send forged copies the way it is sent.
 */
export interface TokenHolder extends ScanToken {
  /** "the scan" or `identity "jwt-user"`, for the report. */
  readonly holder: string;
  /** The headers that carry another token in this token's place. */
  carrying(token: string): Readonly<Record<string, string>>;
  /** Sends a request with the real token. */
  send(request: ScanRequest): Promise<Exchange | undefined>;
  /** The path of the login that issued it, when it is an identity's. */
  readonly loginPath?: string;
}

/**
 * The JWT the token checks work on (once per scan): the scan's own, else an identity's.
 *
 * @example
 * ```ts
 * const held = await jwtHolder(context);
 * if (!held) return notTested(NOT_A_JWT);
 * ```
 */
export function jwtHolder(context: CheckContext): Promise<TokenHolder | undefined> {
  return context.shared("jwt:holder", async () => {
    const own = scanToken(context.target);
    if (own)
      return {
        ...own,
        holder: "the scan",
        carrying: (token: string) => carrying(context, token),
        send: (request: ScanRequest) => context.http.trySend(request),
      };
    const { list } = await identitiesOf(context);
    for (const identity of list) {
      const jwt = identity.token ? decodeJwt(identity.token) : undefined;
      if (!identity.token || !jwt) continue;
      const real = identity.token;
      const loginPath = context.config?.identities?.find((i) => i.name === identity.name)?.login
        ?.path;
      return {
        ...(loginPath ? { loginPath } : {}),
        token: real,
        jwt,
        holder: `identity "${identity.name}"`,
        // The identity's own headers, its token swapped for the given one wherever it appears.
        carrying: (token: string) =>
          Object.fromEntries(
            Object.entries(identity.headers).map(([k, v]) => [k, v.split(real).join(token)]),
          ),
        send: (request: ScanRequest) => sendAs(context, identity, request),
      };
    }
    return undefined;
  });
}

/** A JWT the target issued, and where the scan saw it. */
export interface IssuedToken extends ScanToken {
  /** "the scan's token", "login field id_token", "cookie session". */
  readonly source: string;
}

/**
 * Every distinct JWT the scan saw the target issue: its own bearer token first, then the JWT
 * fields of the login answer (an OpenID Connect `id_token`, say) and JWT-valued cookies.
 *
 * @example
 * ```ts
 * issuedTokens(context.target).map((t) => t.source); // ["the scan's token", "login field id_token"]
 * ```
 */
export function issuedTokens(target: ScanTarget): IssuedToken[] {
  const out = new Map<string, IssuedToken>();
  const own = scanToken(target);
  if (own) out.set(own.token, { ...own, source: "the scan's token" });
  for (const { exchange, source } of target.observed) {
    if (source === "login") {
      for (const [field, value] of Object.entries(jsonObject(exchange.body))) {
        const jwt = typeof value === "string" ? decodeJwt(value) : undefined;
        if (jwt && !out.has(value as string))
          out.set(value as string, { token: value as string, jwt, source: `login field ${field}` });
      }
    }
    for (const cookie of exchange.setCookies) {
      const m = /^\s*([^=;\s]+)=([^;\s]+)/.exec(cookie);
      const jwt = m?.[2] ? decodeJwt(m[2]) : undefined;
      if (m?.[1] && m[2] && jwt && !out.has(m[2]))
        out.set(m[2], { token: m[2], jwt, source: `cookie ${m[1]}` });
    }
  }
  return [...out.values()];
}

/**
 * The tokens the payload checks read: every JWT the target issued to the scan, and the token
 * of the identity the token checks work on when the scan holds none.
 *
 * @example
 * ```ts
 * (await heldTokens(context)).map((t) => t.source); // ["the token of identity \"jwt-user\""]
 * ```
 */
export async function heldTokens(context: CheckContext): Promise<IssuedToken[]> {
  const tokens = issuedTokens(context.target);
  const held = await jwtHolder(context);
  if (held && !tokens.some((t) => t.token === held.token))
    tokens.push({ token: held.token, jwt: held.jwt, source: `the token of ${held.holder}` });
  return tokens;
}

function jsonObject(body: string): Record<string, unknown> {
  const value = (() => {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  })();
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * An operation whose answer depends on the token: 2xx with the real one, and without one either
 * 401/403 (`refused`) or a 2xx that says so in its body (`{"success": false}`, an error member)
 * while the real token's answer does not (`differs`).
 */
export interface ProofEndpoint {
  readonly method: string;
  readonly url: string;
  readonly withToken: Exchange;
  readonly withoutToken: Exchange;
  readonly kind: "refused" | "differs";
}

const MAX_PROBES = 6;

/**
 * Finds (once per scan) a read-only operation where the scan's token is needed: it answers 2xx
 * with the token and 401/403 without one (RFC 6750 3.1), or, failing that, a 2xx whose body
 * says the caller is refused. Only there does a forged token's answer prove it was accepted.
 *
 * @example
 * ```ts
 * const proof = await proofEndpoint(context);
 * if (!proof) return notTested("no operation needs the token");
 * ```
 */
export function proofEndpoint(context: CheckContext): Promise<ProofEndpoint | undefined> {
  return context.shared("jwt:proof-endpoint", async () => {
    const { target, http } = context;
    const held = await jwtHolder(context);
    const send = held?.send ?? ((request: ScanRequest) => http.trySend(request));
    const candidates = new Map<string, string>();
    const gets = target.operations.filter((op) => op.method === "GET" && !op.url.includes("{"));
    // The caller's own record first (it always needs the token), then protected reads.
    const rank = (o: (typeof gets)[number]) =>
      (OWN_RECORD_PATH.test(o.path) ? 0 : 2) + (o.secured ? 0 : 1);
    for (const op of [...gets].sort((a, b) => rank(a) - rank(b))) candidates.set(op.url, op.path);
    for (const { exchange, authenticated, source } of target.observed) {
      if (authenticated && source !== "login" && exchange.method === "GET" && ok(exchange.status))
        candidates.set(exchange.url, exchange.url);
    }
    // An identity's token usually opens only its own corner of the API: where its login lives.
    const own = held?.loginPath ? ownCorner(target, held.loginPath) : [];
    const ordered = [...new Set([...own, ...candidates.keys()])];
    let probes = 0;
    let differs: ProofEndpoint | undefined;
    for (const url of ordered) {
      if (probes++ >= MAX_PROBES) break;
      const withToken = await send({ url });
      if (!withToken || !ok(withToken.status) || isErrorBody(withToken.body)) continue;
      const withoutToken = await http.trySend({ url, anonymous: true });
      if (!withoutToken) continue;
      if (withoutToken.status === 401 || withoutToken.status === 403)
        return { method: "GET", url, withToken, withoutToken, kind: "refused" };
      // Some APIs refuse with a 2xx and a failure in the body: proof enough when nothing better.
      if (ok(withoutToken.status) && isErrorBody(withoutToken.body))
        differs ??= { method: "GET", url, withToken, withoutToken, kind: "differs" };
    }
    return differs;
  });
}

/**
 * Where an identity's token is asked first: a GET of its login path itself (a sign-up that
 * answers the caller on GET), then the GET operations beside it (`/vapi/jwt/...`).
 */
function ownCorner(target: ScanTarget, loginPath: string): string[] {
  const path = loginPath.replace(/\/+$/, "");
  const parent = path.slice(0, path.lastIndexOf("/") + 1);
  const at = (url: string) => new URL(url).pathname.replace(/\/+$/, "");
  const beside = target.operations
    .filter((op) => op.method === "GET" && !op.url.includes("{"))
    .filter((op) => at(op.url) !== path && parent.length > 1 && at(op.url).startsWith(parent))
    .map((op) => op.url);
  // Resolved as the HTTP layer resolved the login itself.
  return [resolve(target.base, path).href, ...beside];
}

/**
 * Whether the proof endpoint took a token of the scan's making as the real one: a 2xx that, on a
 * `differs` endpoint, is not the failure a caller without a token gets.
 *
 * @example
 * ```ts
 * if (accepted(proof, await sendToken(context, proof, forged))) ...
 * ```
 */
export function accepted(proof: ProofEndpoint, answer: Exchange | undefined): answer is Exchange {
  if (!answer || !ok(answer.status)) return false;
  return proof.kind === "refused" || !isErrorBody(answer.body);
}

/**
 * Sends a token of the scan's making to the proof endpoint, instead of the real one.
 *
 * @example
 * ```ts
 * const answer = await sendToken(context, proof, forged.token);
 * if (answer && ok(answer.status)) ...
 * ```
 */
export async function sendToken(
  context: CheckContext,
  proof: ProofEndpoint,
  token: string,
): Promise<Exchange | undefined> {
  const held = await jwtHolder(context);
  return context.http.trySend({
    method: proof.method,
    url: proof.url,
    anonymous: true,
    headers: held ? held.carrying(token) : carrying(context, token),
  });
}

/**
 * The headers that carry `token` the way the scan's own credential travels (a scheme, a named
 * header, a cookie), `Authorization: Bearer` when the scan has none.
 *
 * @example
 * ```ts
 * carrying(context, "rampart.malformed.token"); // { authorization: "Token rampart.malformed.token" }
 * ```
 */
export function carrying(context: CheckContext, token: string): Readonly<Record<string, string>> {
  return context.target.auth?.withToken(token) ?? { authorization: `Bearer ${token}` };
}

/**
 * A 2xx status.
 *
 * @example
 * ```ts
 * ok(204); // true
 * ```
 */
export function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A public key of the target, as PEM texts an HMAC confusion would use. */
export interface TargetPublicKey {
  /** Where it came from: `--public-key`, a JWKS URL. */
  readonly source: string;
  readonly kid?: string;
  /** The PEM texts to try as HMAC secrets (SPKI, PKCS#1, the file as given). */
  readonly pems: readonly string[];
}

const MAX_KEYS = 3;

/**
 * The target's public signing keys (once per scan): the configured one (`--public-key`), and
 * the keys of the JWKS named by `jwks_uri` in the OpenID Connect or OAuth metadata (RFC 8414),
 * else of `/.well-known/jwks.json`. Only in-scope URLs are fetched.
 *
 * @example
 * ```ts
 * const keys = await targetPublicKeys(context);
 * keys[0]?.pems[0]; // "-----BEGIN PUBLIC KEY-----\n..."
 * ```
 */
export function targetPublicKeys(context: CheckContext): Promise<readonly TargetPublicKey[]> {
  return context.shared("jwt:public-keys", async () => {
    const keys: TargetPublicKey[] = [];
    const configured = configuredPublicKey(context);
    if (configured) {
      const pems = pemForms(configured);
      if (pems.length > 0) keys.push({ source: "--public-key", pems });
    }
    const jwksUrl = await findJwksUrl(context);
    if (jwksUrl) {
      const answer = await context.http.trySend({ url: jwksUrl, anonymous: true });
      for (const jwk of jwksKeys(answer)) {
        if (keys.length >= MAX_KEYS) break;
        const pems = pemForms(jwk);
        if (pems.length > 0)
          keys.push({
            source: jwksUrl,
            ...(typeof jwk.kid === "string" ? { kid: jwk.kid } : {}),
            pems,
          });
      }
    }
    return keys;
  });
}

async function findJwksUrl(context: CheckContext): Promise<string | undefined> {
  const { target, http } = context;
  const seen = target.urls.find((u) => /jwks/i.test(u) && http.inScope(u));
  if (seen) return seen;
  for (const path of [
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
  ]) {
    const answer = await http.trySend({ url: new URL(path, target.base).href, anonymous: true });
    const uri = answer && ok(answer.status) ? jsonField(answer.body, "jwks_uri") : undefined;
    if (typeof uri === "string" && http.inScope(uri)) return uri;
  }
  return new URL("/.well-known/jwks.json", target.base).href;
}

function jwksKeys(answer: Exchange | undefined): (JsonWebKey & { kid?: unknown; use?: unknown })[] {
  if (!answer || !ok(answer.status)) return [];
  const keys = jsonField(answer.body, "keys");
  if (!Array.isArray(keys)) return [];
  return keys.filter(
    (k): k is JsonWebKey =>
      k !== null && typeof k === "object" && (k.kty === "RSA" || k.kty === "EC") && k.use !== "enc",
  );
}

/** The PEM spellings a server might have used as the HMAC key, with and without final newline. */
function pemForms(key: string | JsonWebKey): string[] {
  try {
    const object =
      typeof key === "string" ? createPublicKey(key) : createPublicKey({ key, format: "jwk" });
    const forms = new Set<string>();
    if (typeof key === "string") forms.add(key);
    forms.add(object.export({ type: "spki", format: "pem" }).toString());
    if (object.asymmetricKeyType === "rsa")
      forms.add(object.export({ type: "pkcs1", format: "pem" }).toString());
    const out = new Set<string>();
    for (const form of forms) {
      const trimmed = form.replace(/\s+$/, "");
      out.add(`${trimmed}\n`);
      out.add(trimmed);
    }
    return [...out];
  } catch {
    return [];
  }
}

function jsonField(body: string, field: string): unknown {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)[field]
      : undefined;
  } catch {
    return undefined;
  }
}
