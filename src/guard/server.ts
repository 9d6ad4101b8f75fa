import { createHash, randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import pino, { type Logger } from "pino";
import { type Dispatcher, Pool } from "undici";
import { redact, redactUrl } from "../core/redact.js";
import { MODERN_CIPHERS } from "../core/tls.js";
import { codingsOf, DECODABLE, decodeCodings } from "./codings.js";
import type { CompiledRoute, RouteTable, UpstreamSpec } from "./config/route-table.js";
import { createDetector } from "./detect/detector.js";
import {
  clientAddress,
  dropConnectionOptions,
  upstreamHeaders,
  withoutHopByHop,
} from "./forward.js";
import { closeServer, listen, redirectHandler, urlOf } from "./listeners.js";
import { accessLog, isoTimeEachMillisecond } from "./ops/access-log.js";
import { adminHandler } from "./ops/admin.js";
import { createMetrics, type GuardMetrics } from "./ops/metrics.js";
import { inList } from "./policies/ip-allow.js";
import { needsDecoding } from "./policies/request-body.js";
import { mediaTypeOf } from "./policies/response-type.js";
import { routingPolicy } from "./policies/routing.js";
import {
  type GuardRuntime,
  type Rejection,
  type RequestContext,
  type ResponseHead,
  rejection,
} from "./policy.js";
import { sendProblem } from "./problem.js";
import { openStore } from "./stores/open.js";
import type { GuardStore } from "./stores/store.js";

const NOT_FOUND = rejection(routingPolicy, 404, "Not Found", "No such resource.");
const HEADERS_TOO_MANY = rejection(
  { id: "header-limits", items: ["EXT-06"] },
  431,
  "Request Header Fields Too Large",
  "The request has more header fields than allowed.",
);
const UPSTREAM = { id: "upstream", items: [] };
const BAD_GATEWAY = rejection(UPSTREAM, 502, "Bad Gateway", "The upstream could not be reached.");
// A policy that fails (rather than refuses) fails closed.
const POLICY_FAILED = rejection(
  { id: "policy-error", items: [] },
  503,
  "Service Unavailable",
  "A security check could not be completed.",
);
const GATEWAY_TIMEOUT = rejection(
  UPSTREAM,
  504,
  "Gateway Timeout",
  "The upstream did not answer in time.",
);
const UNINSPECTABLE = rejection(
  UPSTREAM,
  502,
  "Bad Gateway",
  "The upstream response could not be inspected (too large or compressed).",
);

export interface GuardOptions {
  /** The route table to serve; {@link Guard.swap} replaces it. */
  readonly table: RouteTable;
  /** Where JSON logs go (one line each); default stdout. */
  readonly log?: { write(line: string): unknown };
  /** Log level; default "info". */
  readonly logLevel?: "debug" | "info" | "warn" | "error" | "silent";
  /**
   * The state store to use instead of opening the one the table names (tests, workers sharing
   * a client). The guard does not close a store it was given.
   */
  readonly store?: GuardStore;
  /** Serve the table's admin listener (default true; workers leave it to the primary). */
  readonly admin?: boolean;
  /** Fields on every log line (a worker's id). */
  readonly logBase?: Readonly<Record<string, unknown>>;
}

export interface Guard {
  /** `http(s)://host:port` of the proxy listener. */
  readonly url: string;
  /** `http://host:port` of the admin listener (metrics, health), when configured. */
  readonly adminUrl: string | undefined;
  /** `http://host:port` of the redirect-only plain listener, when TLS has one. */
  readonly redirectUrl: string | undefined;
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  /** The shared state (limits, lockouts, revocations, bans). */
  readonly store: GuardStore;
  /** The table being served. */
  readonly table: RouteTable;
  /**
   * Swaps in a new table atomically: requests already running finish with the old one.
   * Listener addresses are fixed at start; upstream pools are reused when unchanged.
   */
  swap(table: RouteTable): void;
  /** Stops accepting, drains in-flight requests (up to `drainTimeoutMs`), closes pools. */
  close(): Promise<void>;
}

interface Live {
  readonly table: RouteTable;
  readonly pools: ReadonlyMap<string, Pool>;
}

/**
 * Starts the guard: the proxy listener (HTTPS when the table has TLS, then an optional plain
 * listener that only redirects), and the admin listener with `/metrics`, `/healthz`, `/readyz`.
 * Errors: ERR_LISTEN.
 *
 * @example
 * ```ts
 * const guard = await startGuard({ table: buildRouteTable(config) });
 * await fetch(`${guard.url}/health`);
 * await guard.close();
 * ```
 */
export async function startGuard(options: GuardOptions): Promise<Guard> {
  const destination = options.log ?? process.stdout;
  const time = isoTimeEachMillisecond();
  const logger = pino(
    {
      level: options.logLevel ?? "info",
      base: options.logBase ?? null,
      timestamp: time,
      // Belt and braces (MON-04): nothing below logs headers, but a future field might.
      redact: {
        paths: ["headers.authorization", "headers.cookie", "password", "token"],
        censor: "[REDACTED]",
      },
    },
    destination,
  );
  const access = accessLog(logger, destination, time);
  const metrics = createMetrics();
  const first = options.table;
  const store =
    options.store ?? openStore({ url: first.store, keyPrefix: first.storeKeyPrefix, logger });
  metrics.storeUp.labels(store.kind).set(store.up ? 1 : 0);
  store.onStatus((up) => {
    metrics.storeUp.labels(store.kind).set(up ? 1 : 0);
    if (up) logger.info({ event: "store-up", store: store.kind }, "state store reachable again");
    else
      logger.error(
        { event: "store-down", store: store.kind },
        "state store unreachable: each policy applies its onStoreError choice",
      );
  });
  // A shared store connects in the background: give it a moment before serving, so that the
  // first requests count in the store rather than in each process's fallback.
  if (!store.up && !(await storeReady(store, STORE_WAIT_MS)))
    logger.warn(
      { event: "store-unreachable-at-start", store: store.kind },
      "state store not reachable: serving with each policy's onStoreError choice until it is",
    );
  const detector = createDetector({ detection: first.detection, store, metrics, logger });
  const runtime: GuardRuntime = {
    store,
    logger,
    metrics,
    observe: (observation) => detector.observe(observation),
  };
  let live: Live = { table: first, pools: buildPools(first.upstreams, new Map()) };
  let draining = false;
  const secure = first.tls !== undefined;

  const serverOptions: ServerOptions = {
    headersTimeout: first.server.headersTimeoutMs,
    requestTimeout: first.server.requestTimeoutMs,
    keepAliveTimeout: first.server.keepAliveTimeoutMs,
    maxHeaderSize: first.server.maxHeaderBytes,
    requireHostHeader: true,
    // Timeouts are enforced by a periodic sweep; the default 30 s would let slow clients linger.
    connectionsCheckingInterval: 1000,
  };
  const server: Server = first.tls
    ? createTlsServer(
        {
          ...serverOptions,
          cert: first.tls.cert,
          key: first.tls.key,
          minVersion: first.tls.minVersion,
          ciphers: MODERN_CIPHERS,
          honorCipherOrder: true,
        },
        handle,
      )
    : createServer(serverOptions, handle);
  // Node would silently drop the fields beyond its count (and with them, perhaps, Host): count
  // them ourselves and refuse with 431; maxHeaderSize still bounds the head's memory.
  server.maxHeadersCount = 0;

  let redirect: Server | undefined;
  const admin =
    first.admin && options.admin !== false
      ? createServer(
          adminHandler(metrics, () => draining, {
            store,
            logger,
            tokenHash: () => live.table.adminTokenHash,
          }),
        )
      : undefined;
  try {
    await listen(server, first.listen, "proxy");
    if (first.tls?.httpRedirect) {
      const port = (server.address() as AddressInfo).port;
      redirect = createServer(
        serverOptions,
        redirectHandler(port, first.listen.host, first.harden),
      );
      await listen(redirect, first.tls.httpRedirect, "redirect");
    }
    if (admin && first.admin) await listen(admin, first.admin, "admin");
  } catch (error) {
    // Whatever opened so far would keep the process alive (a Redis connection retries for
    // ever): a start that fails leaves nothing behind, and the caller exits with its code.
    await Promise.all(
      [server, redirect, admin].map((s) => (s?.listening ? closeServer(s) : undefined)),
    );
    await Promise.all([...live.pools.values()].map((pool) => pool.close()));
    await detector.close();
    if (!options.store) await store.close();
    logger.flush?.();
    throw error;
  }
  const url = urlOf(server, secure ? "https" : "http");
  if (!secure)
    logger.warn(
      { event: "plain-http", url },
      "TLS is not configured: serving plain HTTP (put a TLS-terminating balancer in front, or stay on loopback)",
    );
  logger.info({ event: "start", url, routes: first.routes.length }, "guard listening");

  // Metric children by label values, so that the hot path skips prom-client's label hashing.
  const counters = new Map<string, Map<string, Map<number, { inc(): void }>>>();
  // Request targets as logged: redacting one runs a dozen regular expressions, and an API sees
  // the same few targets over and over. Only short targets without a query are kept.
  const loggedUrls = new Map<string, string>();
  const loggedUrl = (raw: string): string => {
    let logged = loggedUrls.get(raw);
    if (logged === undefined) {
      logged = redactUrl(raw);
      if (raw.length <= 256 && !raw.includes("?")) {
        if (loggedUrls.size >= 1024) loggedUrls.clear();
        loggedUrls.set(raw, logged);
      }
    }
    return logged;
  };
  const timers = new Map<string, { observe(v: number): void }>();
  // Nested by label rather than keyed by a joined string: no string to build and hash per request.
  const counted = (route: string, method: string, status: number) => {
    let byMethod = counters.get(route);
    if (!byMethod) {
      byMethod = new Map();
      counters.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let child = byStatus.get(status);
    if (!child) {
      child = metrics.requestCounter(route, method, status);
      byStatus.set(status, child);
    }
    return child;
  };
  const timed = (route: string) => {
    let child = timers.get(route);
    if (!child) {
      child = metrics.duration.labels(route);
      timers.set(route, child);
    }
    return child;
  };

  // Expect: 100-continue is answered only once the request head has passed every policy, so a
  // client does not send a body that is refused anyway (RFC 9110 10.1.1).
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));

  function handle(req: IncomingMessage, res: ServerResponse, expectsContinue = false): void {
    const { table, pools } = live;
    const started = performance.now();
    const peer = req.socket.remoteAddress ?? "";
    const headers = req.headers;
    if (headers.connection !== undefined) dropConnectionOptions(headers);
    const ctx: RequestContext = {
      req,
      id: randomUUID(),
      identity: undefined,
      runtime,
      locals: undefined,
      path: "",
      query: "",
      clientIp: clientAddress(peer, headers["x-forwarded-for"], table.trustedProxies),
      secure,
      contentType: mediaTypeOf(headers["content-type"]),
      hasBody:
        headers["transfer-encoding"] !== undefined ||
        (headers["content-length"] !== undefined && headers["content-length"] !== "0"),
    };
    let route: CompiledRoute | undefined;
    let finished = false;
    let refused: Rejection | undefined;
    const refuse = (problem: Rejection): void => {
      refused = problem;
      for (const item of problem.items.length > 0 ? problem.items : ["none"])
        metrics.blocks.labels(problem.policy, item).inc();
      if (ctx.hasBody && !req.complete) {
        // Drain what the client still sends, then close: never parse it as the next request.
        res.shouldKeepAlive = false;
        req.resume();
      }
      sendProblem(res, problem, ctx.id, secure, table.harden, req.method === "HEAD");
      finish(problem.policy);
    };
    const finish = (blockedBy?: string, upstreamStatus?: number): void => {
      if (finished) return;
      finished = true;
      const pattern = route?.spec.path ?? "none";
      const status = res.headersSent ? res.statusCode : 0;
      if (route) for (const hook of route.onFinish) hook(ctx, status);
      runtime.observe({
        client: ctx.clientIp,
        method: req.method ?? "",
        route: route?.spec.path,
        status,
        rejection: refused,
      });
      const seconds = (performance.now() - started) / 1000;
      counted(pattern, req.method ?? "", res.statusCode).inc();
      timed(pattern).observe(seconds);
      access(
        ctx.id,
        ctx.clientIp,
        req.method,
        loggedUrl(req.url ?? ""),
        route?.spec.path,
        res.statusCode,
        Math.round(seconds * 1e4) / 10,
        blockedBy,
        upstreamStatus,
      );
    };

    // While draining, requests still arriving on open connections are served, then their
    // connections close.
    if (draining) res.shouldKeepAlive = false;
    if (req.rawHeaders.length / 2 > table.server.maxHeaderCount) {
      refuse(HEADERS_TOO_MANY);
      return;
    }
    const bannedFor = store.bans.ttl(ctx.clientIp);
    if (bannedFor > 0) {
      refuse(bannedRejection(bannedFor));
      return;
    }
    let problem = table.normalize(ctx);
    if (problem) {
      refuse(problem);
      return;
    }
    const entry = table.match(ctx.path);
    if (!entry) {
      refuse(NOT_FOUND);
      return;
    }
    route = entry.methods.get(req.method ?? "");
    if (!route) {
      refuse(
        rejection(routingPolicy, 405, "Method Not Allowed", `Allowed: ${entry.allow}.`, {
          Allow: entry.allow,
        }),
      );
      return;
    }
    for (const check of route.onRequest) {
      problem = check(ctx);
      if (problem) {
        refuse(problem);
        return;
      }
    }
    const current = route;
    const pool = pools.get(current.spec.upstream);
    if (!pool) {
      refuse(BAD_GATEWAY);
      return;
    }
    if (current.onRequestAsync.length === 0) proceed();
    else
      runAsyncChecks(current.onRequestAsync, ctx).then(
        (asyncProblem) => (asyncProblem ? refuse(asyncProblem) : proceed()),
        (error: unknown) => {
          logger.error({ event: "policy-error", id: ctx.id, error: String(error) });
          refuse(POLICY_FAILED);
        },
      );

    function proceed(): void {
      // A client that left during the asynchronous checks is not watched for yet: forwarding
      // its request would pause the upstream connection on a dead socket for good.
      if (req.socket.destroyed) {
        finish();
        return;
      }
      if (expectsContinue) res.writeContinue();
      // A coded body is read whole whatever the policies want: it can only be sized decoded, and
      // the upstream gets it as the guard read it.
      let wantsBody = ctx.hasBody && needsDecoding(headers);
      if (ctx.hasBody && !wantsBody)
        for (const check of current.bodyChecks) if (check.wantsRequestBody(ctx)) wantsBody = true;
      if (ctx.hasBody && !wantsBody)
        for (const check of current.bodyChecksAsync)
          if (check.wantsRequestBody(ctx)) wantsBody = true;
      if (wantsBody) {
        readBody(req, current.spec.bodyLimit, "drain").then(
          (raw) => {
            if (raw === undefined) return refuse(current.tooLarge);
            const decoded = current.decodeBody(raw, ctx);
            if (!Buffer.isBuffer(decoded)) return refuse(decoded);
            let body = decoded;
            for (const check of current.bodyChecks) {
              if (!check.wantsRequestBody(ctx)) continue;
              const decision = check.onRequestBody(body, ctx);
              if (decision === undefined) continue;
              if (!("body" in decision)) return refuse(decision);
              // A check rewrote the body (strip): later checks and the upstream get the new one.
              body = decision.body;
              headers["content-length"] = String(body.length);
            }
            if (current.bodyChecksAsync.length === 0) return forward(body);
            const checked = body;
            runAsyncBodyChecks(current.bodyChecksAsync, checked, ctx).then(
              (asyncProblem) => (asyncProblem ? refuse(asyncProblem) : forward(checked)),
              (error: unknown) => {
                logger.error({ event: "policy-error", id: ctx.id, error: String(error) });
                refuse(POLICY_FAILED);
              },
            );
          },
          () => {
            res.destroy();
            finish();
          },
        );
      } else {
        // A declared Content-Length was checked against the limit and Node enforces it; only a
        // chunked body can still overrun, so only that one is counted.
        forward(
          !ctx.hasBody
            ? null
            : headers["transfer-encoding"] === undefined
              ? req
              : Readable.from(limited(req, current.spec.bodyLimit), { objectMode: false }),
        );
      }
    }

    function forward(body: Buffer | Readable | null): void {
      const peerTrusted = table.trustedProxies !== undefined && inList(table.trustedProxies, peer);
      // undici's dispatch API rather than request(): no response Readable, no pipe, no promise
      // and no async resource per request; upstream chunks go straight to the client socket, and
      // its backpressure pauses the upstream connection.
      let controller: Dispatcher.DispatchController | undefined;
      let head: ResponseHead | undefined;
      // "sent": the last byte the upstream announced went out with res.end(), before undici's end.
      let mode: "stream" | "buffer" | "sent" | "done" = "done";
      // Bytes still due in a streamed body with a Content-Length; -1 without one.
      let remaining = -1;
      let limit = 0;
      // Up to `limit` bytes a policy must inspect (longer is withheld); up to `peek` bytes one
      // would like to (longer goes on uninspected).
      let peek = 0;
      // The content codings to undo before the body hooks read a buffered body.
      let codings: string[] | undefined;
      let total = 0;
      let upstreamStatus = 0;
      const chunks: Buffer[] = [];
      let gone = false;
      const resume = () => controller?.resume();
      // The client may leave at any point, even before the upstream answers: the exchange with
      // the upstream is aborted then, or its connection would stay paused on a dead client.
      // Emitted once per response: `on` spares once()'s wrapper and removal on every request.
      res.on("close", () => {
        if (!res.writableFinished && (mode !== "done" || head === undefined)) {
          gone = true;
          mode = "done";
          controller?.abort(new Error("client closed"));
        }
        finish(undefined, upstreamStatus || undefined);
      });
      (pool as Pool).dispatch(
        {
          path: ctx.path + ctx.query,
          method: req.method as "GET",
          headers: upstreamHeaders(headers, peer, peerTrusted, secure, ctx.id),
          body,
        },
        {
          onRequestStart(c) {
            controller = c;
            if (gone) c.abort(new Error("client closed"));
          },
          onResponseStart(c, status, upstreamHeaders) {
            if (status < 200) return; // 1xx: informational, the final answer follows
            upstreamStatus = status;
            head = {
              status,
              headers: withoutHopByHop(upstreamHeaders as ResponseHead["headers"]),
            };
            head.headers["x-request-id"] = ctx.id;
            for (const hook of current.onResponseHead) {
              const wanted = hook(head, ctx);
              if (wanted === undefined) continue;
              if (typeof wanted !== "number") {
                c.abort(new Error("withheld"));
                withhold(wanted, status, undefined);
                return;
              }
              if (wanted > limit) limit = wanted;
            }
            for (const hook of current.peekResponse) {
              const wanted = hook(head, ctx);
              if (wanted !== undefined && wanted > peek) peek = wanted;
            }
            if (req.method === "HEAD" || status === 204 || status === 304) {
              res.writeHead(head.status, head.headers);
              res.end();
              finish(undefined, status);
              return;
            }
            const encoding = head.headers["content-encoding"];
            // The guard asks for identity; an upstream that codes anyway is decoded to be read.
            if (encoding !== undefined && (limit > 0 || peek > 0)) {
              codings = codingsOf(encoding, DECODABLE);
              if (codings === undefined) {
                if (limit > 0) {
                  c.abort(new Error("uninspectable"));
                  refuse(UNINSPECTABLE);
                  return;
                }
                peek = 0;
              }
            }
            if (limit === 0 && peek === 0) {
              mode = "stream";
              const length = head.headers["content-length"];
              // undici refuses a malformed Content-Length before this point.
              if (typeof length === "string") remaining = Number(length);
              res.writeHead(head.status, head.headers);
              return;
            }
            mode = "buffer";
          },
          onResponseData(c, chunk) {
            if (mode === "stream") {
              // The body's last bytes go out with end(): one write for the whole response when
              // it came in one chunk, and no backpressure to wait for (write() answers false for
              // any chunk of 16 KiB or more, since node corks a response's first writes).
              if (remaining > 0) {
                remaining -= chunk.length;
                if (remaining === 0) {
                  mode = "sent";
                  res.end(chunk);
                  return;
                }
              }
              // Up to STREAM_BUFFER_BYTES may wait in the process for a slow client; beyond,
              // the upstream connection pauses until the client has taken them.
              if (!res.write(chunk) && res.writableLength >= STREAM_BUFFER_BYTES) {
                c.pause();
                res.once("drain", resume);
              }
            } else if (mode === "buffer") {
              total += chunk.length;
              if (total > limit && total > peek) {
                if (limit > 0) {
                  mode = "done";
                  c.abort(new Error("too large to inspect"));
                  refuse(UNINSPECTABLE);
                  return;
                }
                // Only a peek wanted it: the body goes on as it came, uninspected.
                mode = "stream";
                res.writeHead((head as ResponseHead).status, (head as ResponseHead).headers);
                for (const held of chunks) res.write(held);
                chunks.length = 0;
                if (!res.write(chunk) && res.writableLength >= STREAM_BUFFER_BYTES) {
                  c.pause();
                  res.once("drain", resume);
                }
                return;
              }
              chunks.push(chunk);
            }
          },
          onResponseEnd() {
            if (mode === "stream") res.end();
            else if (mode === "buffer" && head)
              decodeThenInspect(
                head,
                upstreamStatus,
                chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
                codings,
                limit > 0,
                Math.max(limit, peek),
              );
            mode = "done";
          },
          onResponseError(_c, error) {
            if (gone) return;
            if (head === undefined) {
              upstreamFailed(error);
              return;
            }
            // A response already sent whole stays as it is.
            if (mode === "stream" || mode === "buffer") res.destroy();
            mode = "done";
          },
        },
      );
    }

    function upstreamFailed(error: unknown): void {
      if (error instanceof BodyTooLarge) {
        refuse(current.tooLarge);
        return;
      }
      const code = (error as { code?: string }).code ?? "unknown";
      metrics.upstreamErrors.labels(current.spec.upstream, code).inc();
      logger.warn({ event: "upstream-error", id: ctx.id, upstream: current.spec.upstream, code });
      refuse(
        code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT"
          ? GATEWAY_TIMEOUT
          : BAD_GATEWAY,
      );
    }

    /** Refuses an upstream answer a policy withheld; what it said is logged, redacted. */
    function withhold(decision: Rejection, status: number, buffer: Buffer | undefined): void {
      logger.warn({
        event: "response-withheld",
        id: ctx.id,
        policy: decision.policy,
        upstreamStatus: status,
        ...(buffer
          ? { body: redact(buffer.toString("utf8", 0, Math.min(buffer.length, 8192))) }
          : {}),
      });
      refuse(decision);
    }

    /**
     * Undoes the content codings of a buffered body before the hooks read it; the client then
     * gets it decoded. A body that does not decode within the limit is withheld when a policy
     * must read it, and goes on as it came when one only peeked.
     */
    function decodeThenInspect(
      head: ResponseHead,
      status: number,
      buffer: Buffer,
      codings: readonly string[] | undefined,
      mustRead: boolean,
      readLimit: number,
    ): void {
      if (codings === undefined || codings.length === 0) {
        inspect(head, status, buffer);
        return;
      }
      let decoded: Buffer;
      try {
        decoded = decodeCodings(buffer, codings, readLimit);
      } catch {
        if (mustRead) refuse(UNINSPECTABLE);
        else deliver(head, status, buffer);
        return;
      }
      delete head.headers["content-encoding"];
      inspect(head, status, decoded);
    }

    /** Runs the response-body hooks over a whole (bounded) upstream body, then answers. */
    function inspect(head: ResponseHead, status: number, buffer: Buffer): void {
      let out = buffer;
      for (const hook of current.onResponseBody) {
        const decision = hook(out, head, ctx);
        if (decision === undefined) continue;
        if ("body" in decision) {
          out = decision.body;
          continue;
        }
        withhold(decision, status, buffer);
        return;
      }
      if (current.onResponseBodyAsync.length > 0) {
        runAsyncResponseHooks(current.onResponseBodyAsync, out, head, ctx).then(
          (decision) =>
            "body" in decision
              ? deliver(head, status, decision.body)
              : withhold(decision, status, buffer),
          (error: unknown) => {
            logger.error({ event: "policy-error", id: ctx.id, error: String(error) });
            refuse(POLICY_FAILED);
          },
        );
        return;
      }
      deliver(head, status, out);
    }

    function deliver(head: ResponseHead, status: number, out: Buffer): void {
      head.headers["content-length"] = String(out.length);
      res.writeHead(head.status, head.headers);
      res.end(out);
      finish(undefined, status);
    }
  }

  return {
    url,
    adminUrl: admin ? urlOf(admin, "http") : undefined,
    redirectUrl: redirect ? urlOf(redirect, "http") : undefined,
    metrics,
    logger,
    store,
    get table() {
      return live.table;
    },
    swap(table) {
      const old = live;
      const pools = buildPools(table.upstreams, old.pools);
      live = { table, pools };
      detector.configure(table.detection);
      if (table.store !== old.table.store || table.storeKeyPrefix !== old.table.storeKeyPrefix)
        logger.warn(
          { event: "reload-store-unchanged" },
          "the store changed in the config: it takes effect on restart",
        );
      if (table.tls && "setSecureContext" in server)
        (server as unknown as { setSecureContext(o: object): void }).setSecureContext({
          cert: table.tls.cert,
          key: table.tls.key,
          minVersion: table.tls.minVersion,
          ciphers: MODERN_CIPHERS,
          honorCipherOrder: true,
        });
      for (const [key, pool] of old.pools) if (pools.get(key) !== pool) void pool.close();
    },
    async close() {
      if (draining) return;
      draining = true;
      const closed = Promise.all(
        [server, redirect].filter((s) => s !== undefined).map(closeServer),
      );
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        redirect?.closeAllConnections();
      }, live.table.server.drainTimeoutMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await Promise.all([...live.pools.values()].map((pool) => pool.close()));
      await detector.close();
      if (!options.store) await store.close();
      if (admin) {
        admin.closeAllConnections();
        await closeServer(admin);
      }
      logger.info({ event: "stop" }, "guard stopped");
      logger.flush?.();
    },
  };
}

/** One undici pool per upstream, keep-alive; an unchanged upstream keeps its pool across reloads. */
function buildPools(
  upstreams: ReadonlyMap<string, UpstreamSpec>,
  previous: ReadonlyMap<string, Pool>,
): Map<string, Pool> {
  const pools = new Map<string, Pool>();
  for (const [name, spec] of upstreams) {
    const key = poolKey(spec);
    const reused = previous.get(name);
    if (reused && (reused as Pool & { rampartKey?: string }).rampartKey === key) {
      pools.set(name, reused);
      continue;
    }
    const tls = spec.tls;
    const pool = new Pool(spec.origin, {
      connections: spec.connections,
      headersTimeout: spec.headersTimeoutMs,
      bodyTimeout: spec.bodyTimeoutMs,
      keepAliveTimeout: spec.keepAliveTimeoutMs,
      pipelining: 1,
      // Towards an https:// upstream: verified always (undici's default), TLS 1.2 or later as on
      // the listener (RFC 9325 3.1.1), with the configured authority and client certificate.
      ...(spec.origin.startsWith("https:")
        ? {
            connect: {
              minVersion: "TLSv1.2" as const,
              ...(tls?.ca ? { ca: tls.ca } : {}),
              ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
              ...(tls?.serverName ? { servername: tls.serverName } : {}),
            },
          }
        : {}),
    });
    Object.defineProperty(pool, "rampartKey", { value: key });
    pools.set(name, pool);
  }
  return pools;
}

function poolKey(spec: UpstreamSpec): string {
  const tls = spec.tls;
  // Rotated certificates and keys change the key, so a reload builds a pool that uses them.
  const material = tls
    ? createHash("sha256")
        .update(tls.ca ?? "")
        .update("\0")
        .update(tls.cert ?? "")
        .update("\0")
        .update(tls.key ?? "")
        .update(`\0${tls.serverName ?? ""}`)
        .digest("hex")
    : "";
  return `${spec.origin} ${spec.connections} ${spec.headersTimeoutMs} ${spec.bodyTimeoutMs} ${spec.keepAliveTimeoutMs} ${material}`;
}

/** Bytes of a streamed response that may wait for a slow client before the upstream pauses. */
const STREAM_BUFFER_BYTES = 64 * 1024;

/** How long the guard waits for a shared store at start before serving without it. */
const STORE_WAIT_MS = 3000;

function storeReady(store: GuardStore, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(store.up), ms);
    timer.unref();
    store.onStatus((up) => {
      if (!up) return;
      clearTimeout(timer);
      resolve(true);
    });
  });
}

class BodyTooLarge extends Error {}

/** Runs asynchronous response-body hooks in order over the body so far; a rejection wins. */
async function runAsyncResponseHooks(
  hooks: CompiledRoute["onResponseBodyAsync"],
  body: Buffer,
  head: ResponseHead,
  ctx: RequestContext,
): Promise<{ readonly body: Buffer } | Rejection> {
  let out = body;
  for (const hook of hooks) {
    const decision = await hook(out, head, ctx);
    if (decision === undefined) continue;
    if ("body" in decision) out = decision.body;
    else return decision;
  }
  return { body: out };
}

/** Runs asynchronous body checks in order; the first rejection wins. */
async function runAsyncBodyChecks(
  checks: CompiledRoute["bodyChecksAsync"],
  body: Buffer,
  ctx: RequestContext,
): Promise<Rejection | undefined> {
  for (const check of checks) {
    if (!check.wantsRequestBody(ctx)) continue;
    const problem = await check.onRequestBodyAsync(body, ctx);
    if (problem) return problem;
  }
  return undefined;
}

const BANS = { id: "ban", items: ["MON-05"] as const };

/** The answer to a banned client: 403 with the time left (RFC 9110 10.2.3). */
function bannedRejection(seconds: number): Rejection {
  return rejection(
    { id: BANS.id, items: [...BANS.items] },
    403,
    "Forbidden",
    "This client is temporarily blocked.",
    { "Retry-After": String(seconds) },
  );
}

/** Runs asynchronous request checks in order; the first rejection wins. */
async function runAsyncChecks(
  checks: CompiledRoute["onRequestAsync"],
  ctx: RequestContext,
): Promise<Rejection | undefined> {
  for (const check of checks) {
    const problem = await check(ctx);
    if (problem) return problem;
  }
  return undefined;
}

/** Drops an upstream body we will not send; undici reports the abort as an error: expected. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on("error", () => {});
  body.destroy();
}

/** Streams a request body, failing once it passes `limit` bytes (chunked bodies, EXT-06). */
async function* limited(stream: AsyncIterable<Buffer>, limit: number): AsyncIterable<Buffer> {
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limit) throw new BodyTooLarge();
    yield chunk;
  }
}

/**
 * Reads a whole body; undefined when it passes `limit` bytes. The rest of a request body is
 * drained (the client gets its answer, not a reset); the rest of an upstream body is dropped.
 */
async function readBody(
  stream: NodeJS.ReadableStream,
  limit: number,
  overflow: "drain" | "destroy",
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      if (overflow === "drain") stream.resume();
      else discard(stream as NodeJS.ReadableStream & { destroy(): void });
      return undefined;
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}
