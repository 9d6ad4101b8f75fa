import type { IncomingHttpHeaders } from "node:http";
import type { ForwardConfig } from "./schema.js";
import type { Identity } from "./verify.js";

/** `auth.forward` ready for the request path: lower-case header names. */
export interface CompiledForward {
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  readonly scopes: string | undefined;
  readonly apiKey: string | undefined;
  /** `[claim, header]` pairs. */
  readonly claims: readonly (readonly [string, string])[];
  /** Every configured header: inbound copies of these are removed on every route. */
  readonly names: ReadonlySet<string>;
}

/**
 * Headers the guard or the HTTP framing own: setting one from a token would break the request
 * or let a claim pose as something else (the client address, the credential itself).
 */
const RESERVED = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "host",
  "content-length",
  "content-type",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept-encoding",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  "x-request-id",
]);

/** One or more visible ASCII characters, single spaces allowed inside (RFC 9110 5.5). */
const SAFE_VALUE = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/;

/**
 * Validates `auth.forward`; problems go to `report` with their path under `/forward`. Returns
 * undefined when nothing is forwarded (then nothing needs stripping either).
 *
 * @example
 * ```ts
 * compileForward({ subject: "X-Auth-Subject" }, new Set(["x-api-key"]), report)?.subject; // "x-auth-subject"
 * ```
 */
export function compileForward(
  config: Readonly<ForwardConfig>,
  apiKeyHeaders: ReadonlySet<string>,
  report: (path: string, message: string) => void,
): CompiledForward | undefined {
  const names = new Set<string>();
  const take = (path: string, header: string | undefined): string | undefined => {
    if (header === undefined) return undefined;
    const name = header.toLowerCase();
    if (RESERVED.has(name) || apiKeyHeaders.has(name))
      report(path, `${header} is a header the guard or HTTP itself uses`);
    else if (names.has(name)) report(path, `${header} is configured twice`);
    names.add(name);
    return name;
  };
  const subject = take("/subject", config.subject);
  const issuer = take("/issuer", config.issuer);
  const scopes = take("/scopes", config.scopes);
  const apiKey = take("/apiKey", config.apiKey);
  const claims = Object.entries(config.claims ?? {}).map(
    ([claim, header]) => [claim, take(`/claims/${claim}`, header) as string] as const,
  );
  if (names.size === 0) return undefined;
  return Object.freeze({ subject, issuer, scopes, apiKey, claims: Object.freeze(claims), names });
}

/**
 * Removes the client's own copies of the identity headers, whatever their case (Node lowers it)
 * or repetition (Node joins them), and in the `_` spelling that CGI-style upstreams read as the
 * same header (`X_Auth_Subject` becomes HTTP_X_AUTH_SUBJECT like `X-Auth-Subject` does).
 *
 * @example
 * ```ts
 * stripInbound(forward, req.headers); // req.headers["x-auth-subject"] === undefined
 * ```
 */
export function stripInbound(forward: CompiledForward, headers: IncomingHttpHeaders): void {
  for (const name in headers)
    if (forward.names.has(name) || (name.includes("_") && forward.names.has(dashed(name))))
      delete headers[name];
}

/**
 * Sets the verified identity as request headers for the upstream. A value that is not plain
 * visible ASCII (CR/LF, controls, non-ASCII) is not sent at all: it could split the request or
 * read differently upstream.
 *
 * @example
 * ```ts
 * forwardIdentity(forward, ctx.identity, ctx.req.headers);
 * ```
 */
export function forwardIdentity(
  forward: CompiledForward,
  identity: Identity,
  headers: IncomingHttpHeaders,
): void {
  if (identity.kind === "api-key") {
    set(headers, forward.apiKey, identity.via);
    return;
  }
  set(headers, forward.subject, identity.subject);
  set(headers, forward.issuer, identity.issuer);
  if (identity.scopes.length > 0) set(headers, forward.scopes, identity.scopes.join(" "));
  for (const [claim, header] of forward.claims) {
    const value = identity.claims[claim];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      set(headers, header, String(value));
  }
}

function set(headers: IncomingHttpHeaders, name: string | undefined, value: unknown): void {
  if (name !== undefined && typeof value === "string" && SAFE_VALUE.test(value))
    headers[name] = value;
}

function dashed(name: string): string {
  return name.replaceAll("_", "-");
}
