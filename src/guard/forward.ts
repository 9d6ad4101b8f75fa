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

const CLIENT_ADDRESS_CLAIMS = [
  "forwarded",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "x-cluster-client-ip",
  "x-original-forwarded-for",
];

/** Removes hop-by-hop fields, including every field the Connection header names, in place. */
export function dropHopByHop(headers: Record<string, unknown>): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const name of String(connection).split(",")) delete headers[name.trim().toLowerCase()];
  }
  for (const name of HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy (entries further left are the
 * client's own claims and can be forged).
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList | undefined,
): string {
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
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value !== undefined) headers[name] = value;
  }
  dropHopByHop(headers);
  const host = headers.host;
  delete headers.host;
  // The guard answered Expect itself (RFC 9110 10.1.1); the body it forwards is already on its way.
  delete headers.expect;
  // Other client-address claims an upstream might believe: only a trusted proxy may send them.
  if (!peerTrusted) for (const name of CLIENT_ADDRESS_CLAIMS) delete headers[name];
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
