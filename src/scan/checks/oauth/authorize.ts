import { createHash, randomBytes } from "node:crypto";
import { jsonObject } from "../../identities.js";
import type { CheckContext, Exchange } from "../../types.js";

/** Where the OAuth checks send their authorization requests, and as which client. */
export interface OAuthSetup {
  readonly authorizeUrl: URL;
  readonly tokenUrl?: URL;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** A correct request (code flow, PKCE S256, state) redirected back with a code. */
  readonly baseline: Exchange;
}

/** How the authorization endpoint answered one request. */
export interface AuthorizeAnswer {
  readonly exchange: Exchange;
  /** The redirect target (3xx with Location), parsed, or undefined. */
  readonly location?: URL;
  /** Parameters of the redirect: query and fragment together. */
  readonly params: URLSearchParams;
  /** A redirect carrying an `error` parameter, or any non-redirect answer. */
  readonly refused: boolean;
}

/** RFC 8414 and OpenID Connect Discovery metadata locations. */
const METADATA = ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"];

/**
 * The OAuth setup of the scan (once per scan), or why the OAuth checks cannot run: no client
 * configured, no endpoint found, or an endpoint that needs a person to log in.
 */
export function oauthSetup(context: CheckContext): Promise<OAuthSetup | string> {
  return context.shared("oauth-setup", async () => {
    const client = context.config?.oauth;
    if (!client) return "needs an OAuth client (scan.oauth: clientId, redirectUri)";
    const metadata = await metadataOf(context);
    const authorize = client.authorizeUrl ?? stringOf(metadata?.authorization_endpoint);
    if (!authorize)
      return "no authorization endpoint (none in the metadata; set scan.oauth.authorizeUrl)";
    const authorizeUrl = targetUrl(context.target.base, authorize);
    if (!context.http.inScope(authorizeUrl))
      return `the authorization endpoint ${authorizeUrl.origin} is out of scope (add --scope)`;
    const token = stringOf(metadata?.token_endpoint);
    const tokenUrl = token ? targetUrl(context.target.base, token) : undefined;
    const base = {
      authorizeUrl,
      ...(tokenUrl && context.http.inScope(tokenUrl) ? { tokenUrl } : {}),
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      scopes: client.scopes ?? [],
    };
    const pkce = newPkce();
    const exchange = await send(context, base.authorizeUrl, {
      ...codeRequest(base, pkce),
    });
    if (!exchange) return "the authorization endpoint did not answer";
    const answer = parseAnswer(exchange);
    if (
      !answer.location &&
      exchange.status === 200 &&
      /html/i.test(exchange.headers["content-type"] ?? "")
    )
      return "the authorization endpoint needs interaction (it answered a login or consent page)";
    if (
      answer.refused ||
      !answer.params.get("code") ||
      !sameTarget(answer.location, client.redirectUri)
    )
      return `a correct authorization request was not answered with a code (status ${exchange.status})`;
    return { ...base, baseline: exchange };
  });
}

/** The parameters of a correct code-flow request (RFC 6749 4.1.1, RFC 7636 4.3). */
export function codeRequest(
  setup: Pick<OAuthSetup, "clientId" | "redirectUri" | "scopes">,
  pkce: Pkce,
): Record<string, string> {
  return {
    response_type: "code",
    client_id: setup.clientId,
    redirect_uri: setup.redirectUri,
    state: randomBytes(12).toString("base64url"),
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    ...(setup.scopes.length > 0 ? { scope: setup.scopes.join(" ") } : {}),
  };
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

/** A fresh PKCE pair (RFC 7636 4.1, 4.2: S256). */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Sends one authorization request (redirects are never followed: the Location is the evidence). */
export async function authorize(
  context: CheckContext,
  setup: OAuthSetup,
  params: Readonly<Record<string, string | undefined>>,
): Promise<AuthorizeAnswer | undefined> {
  const exchange = await send(context, setup.authorizeUrl, params);
  return exchange ? parseAnswer(exchange) : undefined;
}

async function send(
  context: CheckContext,
  endpoint: URL,
  params: Readonly<Record<string, string | undefined>>,
): Promise<Exchange | undefined> {
  const url = new URL(endpoint);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return context.http.trySend({
    url: url.href,
    headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
  });
}

function parseAnswer(exchange: Exchange): AuthorizeAnswer {
  const raw =
    exchange.status >= 300 && exchange.status < 400 ? exchange.headers.location : undefined;
  let location: URL | undefined;
  try {
    location = raw ? new URL(raw, exchange.url) : undefined;
  } catch {
    location = undefined;
  }
  const params = new URLSearchParams(location?.search ?? "");
  for (const [k, v] of new URLSearchParams(location?.hash.replace(/^#/, "") ?? ""))
    params.append(k, v);
  return {
    exchange,
    ...(location ? { location } : {}),
    params,
    refused: !location || params.has("error"),
  };
}

/** The redirect goes to the URI asked for: same origin and path (query and fragment aside). */
export function sameTarget(location: URL | undefined, uri: string): boolean {
  if (!location) return false;
  try {
    const wanted = new URL(uri);
    return location.origin === wanted.origin && location.pathname === wanted.pathname;
  } catch {
    return false;
  }
}

/**
 * Exchanges a code at the token endpoint (RFC 6749 4.1.3) to learn what was granted; the
 * token itself is dropped. Undefined when there is no token endpoint or it refused.
 */
export async function redeem(
  context: CheckContext,
  setup: OAuthSetup,
  code: string,
  pkce: Pkce,
): Promise<{ exchange: Exchange; scope?: string } | undefined> {
  if (!setup.tokenUrl) return undefined;
  const exchange = await context.http.trySend({
    method: "POST",
    url: setup.tokenUrl.href,
    anonymous: true,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: setup.redirectUri,
      client_id: setup.clientId,
      code_verifier: pkce.verifier,
    }).toString(),
  });
  const body = exchange && exchange.status === 200 ? jsonObject(exchange.body) : undefined;
  if (!exchange || !body || typeof body.access_token !== "string") return undefined;
  return { exchange, ...(typeof body.scope === "string" ? { scope: body.scope } : {}) };
}

/**
 * Evidence for an authorization answer: the request line and the Location, with codes and
 * tokens masked (a code sent to a foreign host is exactly what must not leak into a report).
 */
export function redirectEvidence(answer: AuthorizeAnswer): {
  request: string;
  status: number;
  headers: Record<string, string>;
} {
  const url = new URL(answer.exchange.url);
  const location = answer.exchange.headers.location;
  return {
    request: `${answer.exchange.method} ${url.pathname}${url.search} HTTP/1.1`,
    status: answer.exchange.status,
    headers: location ? { location: maskGrants(location) } : {},
  };
}

function maskGrants(location: string): string {
  return location.replace(
    /([?#&](?:code|access_token|id_token|refresh_token)=)[^&#]*/g,
    "$1[REDACTED]",
  );
}

async function metadataOf(context: CheckContext): Promise<Record<string, unknown> | undefined> {
  for (const path of METADATA) {
    const seen = context.target.observed.find(
      (o) => new URL(o.exchange.url).pathname.endsWith(path) && o.exchange.status === 200,
    )?.exchange;
    const exchange = seen ?? (await context.http.trySend({ url: path, anonymous: true }));
    const body = exchange && exchange.status === 200 ? jsonObject(exchange.body) : undefined;
    if (body && typeof body.authorization_endpoint === "string") return body;
  }
  return undefined;
}

/** An absolute URL as is; a path relative to the target's base path, as the HTTP layer does. */
function targetUrl(base: URL, url: string): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url);
  return new URL(`${base.origin}${base.pathname.replace(/\/+$/, "")}/${url.replace(/^\/+/, "")}`);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
