import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { MODERN_CIPHERS } from "../../core/tls.js";
import type { RouteTable } from "../config/route-table.js";
import { createDetector } from "../detect/detector.js";
import { closeServer, listen, redirectHandler, urlOf } from "../listeners.js";
import { accessLog, isoTimeEachMillisecond } from "../ops/access-log.js";
import { adminHandler } from "../ops/admin.js";
import { createMetrics, type GuardMetrics } from "../ops/metrics.js";
import type { GuardRuntime } from "../policy.js";
import { openStore } from "../stores/open.js";
import type { GuardStore } from "../stores/store.js";
import { buildPools } from "./pools.js";
import { handleRequest } from "./request.js";
import type { ServerScope } from "./scope.js";
import { RequestStats } from "./stats.js";

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
  const secure = first.tls !== undefined;
  const scope: ServerScope = {
    runtime,
    logger,
    metrics,
    store,
    secure,
    access: accessLog(logger, destination, time),
    stats: new RequestStats(metrics),
    live: { table: first, pools: buildPools(first.upstreams, new Map()) },
    draining: false,
  };
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    handleRequest(scope, req, res, false);

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
          adminHandler(metrics, () => scope.draining, {
            store,
            logger,
            tokenHash: () => scope.live.table.adminTokenHash,
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
    await Promise.all([...scope.live.pools.values()].map((pool) => pool.close()));
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

  // Expect: 100-continue is answered only once the request head has passed every policy, so a
  // client does not send a body that is refused anyway (RFC 9110 10.1.1).
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) =>
    handleRequest(scope, req, res, true),
  );

  return {
    url,
    adminUrl: admin ? urlOf(admin, "http") : undefined,
    redirectUrl: redirect ? urlOf(redirect, "http") : undefined,
    metrics,
    logger,
    store,
    get table() {
      return scope.live.table;
    },
    swap(table) {
      const old = scope.live;
      const pools = buildPools(table.upstreams, old.pools);
      scope.live = { table, pools };
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
      if (scope.draining) return;
      scope.draining = true;
      const closed = Promise.all(
        [server, redirect].filter((s) => s !== undefined).map(closeServer),
      );
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        redirect?.closeAllConnections();
      }, scope.live.table.server.drainTimeoutMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await Promise.all([...scope.live.pools.values()].map((pool) => pool.close()));
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
