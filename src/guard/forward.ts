import type { IncomingHttpHeaders } from "node:http";
import type { BlockList } from "node:net";
import { isIP } from "node:net";
import { inList } from "./policies/ip-allow.js";

/** Hop-by-hop fields (RFC 9110 7.6.1): meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const CLIENT_ADDRESS_CLAIMS = new Set([
  "forwarded",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "x-cluster-client-ip",
  "x-original-forwarded-for",
]);

/**
 * Never forwarded: Host (the pool sets the upstream's), and Expect, which the guard answered
 * itself (RFC 9110 10.1.1): the body it forwards is already on its way.
 */
const NOT_FORWARDED = new Set(["host", "expect"]);

/**
 * A copy of response headers without the hop-by-hop fields, nor any field the Connection header
 * names. A copy rather than deletes in place: deleting turns the object into a slow dictionary
 * that every later header write then pays for.
 *
 * @example
 * ```ts
 * withoutHopByHop({ connection: "keep-alive", "keep-alive": "timeout=5", etag: '"1"' }); // { etag: '"1"' }
 * ```
 */
export function withoutHopByHop(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const connection = headers.connection;
  const named = connection === undefined ? undefined : connectionOptions(connection);
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers) {
    // "__proto__" would set the copy's prototype rather than a field: not a header anyway.
    if (HOP_BY_HOP.has(name) || (named?.has(name) ?? false) || name === "__proto__") continue;
    out[name] = headers[name];
  }
  return out;
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy (entries further left are the
 * client's own claims and can be forged).
 */
export function clientAddress(
  rawPeer: string,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList | undefined,
): string {
  // On a dual-stack listener an IPv4 client arrives as ::ffff:a.b.c.d (RFC 4291 2.5.5.2): one
  // client, one address, whichever way it connected (limits, lockouts and bans key on it).
  const peer =
    rawPeer.startsWith("::ffff:") && isIP(rawPeer.slice(7)) === 4 ? rawPeer.slice(7) : rawPeer;
  if (!trusted || forwardedFor === undefined || !inList(trusted, peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (isIP(hop) === 0) break;
    client = hop;
    if (!inList(trusted, hop)) break;
  }
  return client;
}

/**
 * The headers sent upstream: the client's minus hop-by-hop fields and Host (the pool sets the
 * upstream's), plus X-Forwarded-For (appended when the peer is a trusted proxy, else reset to
 * the peer: a client's own X-Forwarded-For is a claim), X-Forwarded-Proto, X-Forwarded-Host and
 * the correlation id. Responses are requested uncompressed so that response policies read them.
 */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  peer: string,
  peerTrusted: boolean,
  secure: boolean,
  requestId: string,
): Record<string, string | string[]> {
  // One pass that skips what must not go upstream: copying everything and deleting afterwards
  // turns the object into a slow dictionary, on every request. The fields the client's
  // Connection names were removed on arrival (dropConnectionOptions), before any policy ran:
  // what the guard adds since (an identity header) is its own and goes on.
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      NOT_FORWARDED.has(name) ||
      // Other client-address claims an upstream might believe: only a trusted proxy may send them.
      (!peerTrusted && CLIENT_ADDRESS_CLAIMS.has(name))
    )
      continue;
    headers[name] = value;
  }
  // Host is the pool's (the upstream's); the client's goes on as X-Forwarded-Host.
  const host = incoming.host;
  const xff = headers["x-forwarded-for"];
  headers["x-forwarded-for"] = peerTrusted && xff !== undefined ? `${String(xff)}, ${peer}` : peer;
  if (!peerTrusted || headers["x-forwarded-proto"] === undefined)
    headers["x-forwarded-proto"] = secure ? "https" : "http";
  if ((!peerTrusted || headers["x-forwarded-host"] === undefined) && host !== undefined)
    headers["x-forwarded-host"] = host;
  headers["x-request-id"] = requestId;
  headers["accept-encoding"] = "identity";
  return headers;
}

/** Fields a client's Connection may not remove: the guard routes and frames by them. */
const NOT_CONNECTION_OPTIONS = new Set(["host", "content-length", "transfer-encoding"]);

/**
 * Removes, in place, the fields a request's Connection header names (RFC 9110 7.6.1: they are
 * for this hop only), except Host and the framing fields. Done on arrival, before any policy
 * reads the headers, so that a policy never judges a field the upstream will not see, and a
 * client cannot make the guard drop a header the guard itself adds later.
 *
 * @example
 * ```ts
 * dropConnectionOptions(req.headers); // "Connection: close, x-foo" removes x-foo
 * ```
 */
export function dropConnectionOptions(headers: IncomingHttpHeaders): void {
  const connection = headers.connection;
  if (connection === undefined) return;
  const named = connectionOptions(connection);
  if (named === undefined) return;
  for (const name of named)
    if (name !== "connection" && !NOT_CONNECTION_OPTIONS.has(name)) delete headers[name];
}

/** The field names a Connection header lists (RFC 9110 7.6.1), lower case. */
function connectionOptions(connection: string | string[]): Set<string> | undefined {
  // The usual values name nothing beyond the hop-by-hop fields themselves.
  if (connection === "keep-alive" || connection === "close") return undefined;
  const names = new Set<string>();
  for (const name of String(connection).split(",")) names.add(name.trim().toLowerCase());
  return names;
}
