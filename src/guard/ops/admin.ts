import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Logger } from "pino";
import type { GuardStore } from "../stores/store.js";
import type { GuardMetrics } from "./metrics.js";

/** What the admin write endpoints need; without it (or without a token hash) they answer 404. */
export interface AdminWrites {
  readonly store: GuardStore;
  /** SHA-256 of the admin bearer token, read per request so a reload can change it. */
  readonly tokenHash: () => Buffer | undefined;
  readonly logger?: Logger;
  /** Clock (epoch ms) for revocation lifetimes; default `Date.now`. */
  readonly now?: () => number;
}

/** Admin request bodies are a few fields: 16 KiB bounds a hostile one (EXT-06). */
export const ADMIN_BODY_LIMIT = 16 * 1024;
/** Nothing the admin writes lives longer than a year: a typo must not ban (or revoke) for ever. */
export const ADMIN_MAX_SECONDS = 365 * 24 * 3600;
/** Longest `jti` and `reason` accepted: values are stored and listed, not free-form documents. */
const MAX_TEXT = 1024;

/**
 * Where `/metrics` comes from: one guard's registry, or, under `--workers`, the primary's sum of
 * every worker's (`{ registry: { metrics: () => aggregator.clusterMetrics(), contentType } }`).
 */
export interface MetricsSource {
  readonly registry: Pick<GuardMetrics["registry"], "metrics" | "contentType">;
}

type Send = (status: number, body?: unknown, headers?: Record<string, string>) => undefined;

/**
 * The admin listener's handler: `/metrics` (Prometheus text format, MON-02), `/healthz` (the
 * process is up), `/readyz` (503 while draining, so a balancer stops sending traffic first),
 * and, when `writes` has a token hash, the bearer-protected write endpoints: `POST /revocations`
 * `{jti, expiresAt}`, `GET /bans`, `POST /bans` `{client, seconds, reason?}`,
 * `DELETE /bans/<client>`.
 *
 * @example
 * ```ts
 * createServer(
 *   adminHandler(metrics, () => draining, { store, tokenHash: () => table.adminTokenHash }),
 * ).listen(9464, "127.0.0.1");
 * ```
 */
export function adminHandler(
  metrics: MetricsSource,
  isDraining: () => boolean,
  writes?: AdminWrites,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path === "/revocations" || path === "/bans" || path.startsWith("/bans/")) {
      const tokenHash = writes?.tokenHash();
      // Read-only admin: the write endpoints do not exist (no token, no way to guess one).
      if (writes === undefined || tokenHash === undefined) send(404, "text/plain", "not found\n");
      else handleWrite(req, res, path, writes, tokenHash);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      send(405, "text/plain", "method not allowed\n");
    else if (path === "/metrics")
      metrics.registry.metrics().then(
        (text) => send(200, metrics.registry.contentType, text),
        () => send(500, "text/plain", "metrics unavailable\n"),
      );
    else if (path === "/healthz") send(200, "application/json", '{"status":"ok"}\n');
    else if (path === "/readyz")
      isDraining()
        ? send(503, "application/json", '{"status":"draining"}\n')
        : send(200, "application/json", '{"status":"ready"}\n');
    else send(404, "text/plain", "not found\n");
  };
}

function handleWrite(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  writes: AdminWrites,
  tokenHash: Buffer,
): undefined {
  const send: Send = (status, body, headers = {}) => {
    if (!req.complete) {
      // An unread body must not be parsed as the next request: drain it and close.
      res.shouldKeepAlive = false;
      req.resume();
    }
    const text = body === undefined ? undefined : `${JSON.stringify(body)}\n`;
    res.writeHead(status, {
      ...(text === undefined ? {} : { "content-type": "application/json" }),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    });
    res.end(text);
    return undefined;
  };
  const presented = bearerToken(req.headers.authorization);
  if (presented === undefined || !sameHash(presented, tokenHash)) {
    // RFC 6750 3: a challenge always; `invalid_token` only when a token was presented.
    send(
      401,
      { error: "unauthorized" },
      {
        "www-authenticate": presented === undefined ? "Bearer" : 'Bearer error="invalid_token"',
      },
    );
    return;
  }
  const { store, logger } = writes;
  const now = writes.now ?? Date.now;
  const method = req.method ?? "";
  const stored = (event: string, fields: Record<string, unknown>) => (error?: unknown) => {
    if (error === undefined) {
      logger?.info({ event, ...fields });
      send(204);
      return;
    }
    // The store's mirror took the change (this process honours it); Redis did not.
    logger?.error({ event, ...fields, error: String(error) });
    send(503, { error: "store unavailable: applied to this process only" });
  };

  if (path === "/revocations") {
    if (method !== "POST") return send(405, { error: "method not allowed" }, { allow: "POST" });
    readJson(req, send, (body) => {
      const { jti, expiresAt } = body as { jti?: unknown; expiresAt?: unknown };
      if (typeof jti !== "string" || jti === "" || jti.length > MAX_TEXT)
        return send(400, { error: "jti must be a non-empty string" });
      if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt))
        return send(400, { error: "expiresAt must be epoch seconds" });
      // Kept until the token would have expired anyway, at least 1 s, at most the cap.
      const seconds = Math.min(ADMIN_MAX_SECONDS, Math.max(1, Math.ceil(expiresAt - now() / 1000)));
      store.revocations
        .add(jti, seconds, "admin")
        .then(stored("admin-revoke", { jti, seconds }), stored("admin-revoke", { jti, seconds }));
    });
    return;
  }
  if (path === "/bans") {
    if (method === "GET" || method === "HEAD") return send(200, { bans: store.bans.list() });
    if (method !== "POST")
      return send(405, { error: "method not allowed" }, { allow: "GET, HEAD, POST" });
    readJson(req, send, (body) => {
      const { client, seconds, reason } = body as {
        client?: unknown;
        seconds?: unknown;
        reason?: unknown;
      };
      const address = canonicalAddress(client);
      if (address === undefined) return send(400, { error: "client must be an IP address" });
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0)
        return send(400, { error: "seconds must be a positive number" });
      if (reason !== undefined && (typeof reason !== "string" || reason.length > MAX_TEXT))
        return send(400, { error: `reason must be a string of at most ${MAX_TEXT} characters` });
      const kept = Math.min(ADMIN_MAX_SECONDS, Math.ceil(seconds));
      const why = reason ?? "admin";
      store.bans
        .add(address, kept, why)
        .then(
          stored("admin-ban", { client: address, seconds: kept, reason: why }),
          stored("admin-ban", { client: address, seconds: kept, reason: why }),
        );
    });
    return;
  }
  if (method !== "DELETE") return send(405, { error: "method not allowed" }, { allow: "DELETE" });
  let raw: string;
  try {
    raw = decodeURIComponent(path.slice("/bans/".length));
  } catch {
    return send(400, { error: "client must be an IP address" });
  }
  const address = canonicalAddress(raw);
  if (address === undefined) return send(400, { error: "client must be an IP address" });
  store.bans
    .delete(address)
    .then(stored("admin-unban", { client: address }), stored("admin-unban", { client: address }));
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 2.1), else undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? "");
  return match?.[1];
}

/** Compares digests, not tokens, in constant time: the length of the token leaks nothing. */
function sameHash(token: string, expected: Buffer): boolean {
  const digest = createHash("sha256").update(token, "utf8").digest();
  return digest.length === expected.length && timingSafeEqual(digest, expected);
}

/**
 * An address as the guard's sockets report it, so a ban matches the client it names: IPv4 as
 * is, IPv6 lower-case and compressed (RFC 5952), IPv4-mapped kept in its dotted form.
 */
function canonicalAddress(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const family = isIP(value);
  if (family === 4) return value;
  if (family !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) return `::ffff:${mapped[1]}`;
  return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}

/** Reads a JSON object body of at most {@link ADMIN_BODY_LIMIT} bytes, answering 4xx itself. */
function readJson(req: IncomingMessage, send: Send, then: (body: object) => void): void {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    send(415, { error: "content-type must be application/json" });
    return;
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > ADMIN_BODY_LIMIT) {
    send(413, { error: `body larger than ${ADMIN_BODY_LIMIT} bytes` });
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let over = false;
  req.on("data", (chunk: Buffer) => {
    if (over) return;
    total += chunk.length;
    if (total > ADMIN_BODY_LIMIT) {
      over = true;
      send(413, { error: `body larger than ${ADMIN_BODY_LIMIT} bytes` });
      return;
    }
    chunks.push(chunk);
  });
  req.on("error", () => req.destroy());
  req.on("end", () => {
    if (over) return;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks, total).toString("utf8"));
    } catch {
      send(400, { error: "body is not valid JSON" });
      return;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      send(400, { error: "body must be a JSON object" });
      return;
    }
    then(body);
  });
}
