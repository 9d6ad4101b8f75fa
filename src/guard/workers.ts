import cluster, { type Worker } from "node:cluster";
import { createServer, type Server } from "node:http";
import { AggregatorRegistry, type PrometheusContentType, type Registry } from "prom-client";
import { RampartError } from "../core/errors.js";
import type { RouteTable } from "./config/route-table.js";
import { closeServer, listen, urlOf } from "./listeners.js";
import { adminHandler } from "./ops/admin.js";
import { openStore } from "./stores/open.js";
import type { GuardStore } from "./stores/store.js";

/** What a worker tells the primary once its guard listens. */
interface ListeningMessage {
  readonly type: "rampart-guard-listening";
  readonly url: string;
}

/** Crashed workers are replaced, unless they crash faster than this (a broken config or host). */
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * Refuses `--workers N` (N > 1) with the in-memory store when the config has state that must be
 * shared: each worker would count limits and failed logins on its own (N times the configured
 * limit) and know only its own revocations and bans. Errors: ERR_USAGE.
 *
 * @example
 * ```ts
 * assertShareable(table, 4); // throws unless table.store is redis:// or nothing is stateful
 * ```
 */
export function assertShareable(table: RouteTable, workers: number): void {
  if (workers <= 1 || table.store !== "memory") return;
  const stateful: string[] = [];
  if (table.routes.some((r) => r.spec.limits !== undefined)) stateful.push("rate limits");
  if (table.routes.some((r) => r.spec.lockout !== undefined)) stateful.push("login lockouts");
  if (table.adminTokenHash !== undefined) stateful.push("revocations and bans");
  if (stateful.length === 0) return;
  throw new RampartError(
    "ERR_USAGE",
    `--workers ${workers} needs a shared store for ${stateful.join(", ")}: set guard.store (or --store) to a redis:// URL; in memory each worker would enforce them on its own`,
  );
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly table: RouteTable;
  /** Where the primary writes its own lines (the workers inherit stdout for their logs). */
  readonly stderr: { write(chunk: string): unknown };
  readonly signal?: AbortSignal;
}

/**
 * Runs the primary of `rampart guard --workers N` (node:cluster): forks N workers that each run
 * the guard on the shared listener, replaces a crashed worker, forwards SIGHUP (reload), serves
 * the admin listener with the metrics of every worker summed (prom-client's AggregatorRegistry),
 * and on abort stops the workers, which drain their connections. Resolves with the exit code.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary && workers > 1) return runPrimary({ workers, table, stderr, signal });
 * ```
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { workers, table, stderr } = options;
  const aggregator = new AggregatorRegistry<PrometheusContentType>();
  let stopping = false;
  let restarts: number[] = [];
  let failed = false;
  let startFailed = false;
  const alive = new Set<Worker>();
  const urls: string[] = [];
  let announce: (() => void) | undefined;

  const fork = (): void => {
    const worker = cluster.fork({ RAMPART_GUARD_WORKER: "1" });
    alive.add(worker);
    worker.on("message", (message: ListeningMessage) => {
      if (message?.type !== "rampart-guard-listening") return;
      urls.push(message.url);
      if (urls.length === workers) announce?.();
    });
    worker.on("exit", (code, signal) => {
      alive.delete(worker);
      if (stopping) return;
      // A worker that could not start (ERR_LISTEN, exit 2) fails the same way again: the start
      // has failed, not a worker.
      if (code === 2 && urls.length < workers) {
        stderr.write(`rampart guard: a worker could not start (exit 2); stopping\n`);
        startFailed = true;
        // The others fail alike or serve alone: nothing to drain, no reason to wait for them.
        stop("SIGKILL");
        return;
      }
      const now = Date.now();
      restarts = restarts.filter((t) => now - t < 60_000);
      restarts.push(now);
      stderr.write(
        `rampart guard: worker ${worker.process.pid} exited (${signal ?? code}); ${restarts.length > MAX_RESTARTS_PER_MINUTE ? "too many restarts, stopping" : "starting another"}\n`,
      );
      if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
        failed = true;
        stop();
        return;
      }
      fork();
    });
  };

  const hangup = () => {
    for (const worker of alive) worker.process.kill("SIGHUP");
  };
  let finished: () => void = () => {};
  const allExited = new Promise<void>((done) => {
    finished = done;
  });
  const stop = (signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): void => {
    if (stopping) return;
    stopping = true;
    if (alive.size === 0) finished();
    for (const worker of alive) {
      worker.once("exit", () => {
        if (alive.size === 0) finished();
      });
      worker.process.kill(signal);
    }
    // Workers drain for up to the configured time; then they are cut off.
    const timer = setTimeout(() => {
      for (const worker of alive) worker.process.kill("SIGKILL");
    }, table.server.drainTimeoutMs + 2000);
    timer.unref();
  };

  const ready = new Promise<void>((done) => {
    announce = done;
  });
  for (let i = 0; i < workers; i++) fork();
  process.on("SIGHUP", hangup);

  let admin: Server | undefined;
  // The write endpoints (revocations, bans) act on the shared store: the primary opens its own.
  let store: GuardStore | undefined;
  if (table.admin) {
    const unavailable = () => stopping || alive.size === 0;
    store =
      table.adminTokenHash !== undefined
        ? openStore({ url: table.store, keyPrefix: table.storeKeyPrefix })
        : undefined;
    // The same admin handler as a single guard's, with every worker's metrics summed.
    const summed = {
      registry: { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType },
    };
    admin = createServer(
      adminHandler(
        summed,
        unavailable,
        store ? { store, tokenHash: () => table.adminTokenHash } : undefined,
      ),
    );
    try {
      await listen(admin, table.admin, "admin");
    } catch (error) {
      stop();
      await allExited;
      process.off("SIGHUP", hangup);
      await store?.close();
      throw error;
    }
  }
  const aborted = new Promise<void>((done) => {
    if (!options.signal) return;
    if (options.signal.aborted) return done();
    options.signal.addEventListener("abort", () => done(), { once: true });
  });
  await Promise.race([ready, aborted, allExited]);
  if (!stopping)
    stderr.write(
      `rampart guard: ${urls[0] ?? "?"} (${workers} workers${admin ? `, admin ${urlOf(admin, "http")}` : ""})\n`,
    );
  await Promise.race([aborted, allExited]);
  stop();
  await allExited;
  process.off("SIGHUP", hangup);
  if (admin) {
    admin.closeAllConnections();
    await closeServer(admin);
  }
  await store?.close();
  return startFailed ? 2 : failed ? 1 : 0;
}

/**
 * In a worker: makes the guard's metrics answer the primary's aggregation, and tells the primary
 * where the guard listens.
 *
 * @example
 * ```ts
 * announceWorker(guard.url, guard.metrics.registry);
 * ```
 */
export function announceWorker(url: string, registry: Registry): void {
  // Constructing one installs prom-client's answer to the primary's metrics requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const message: ListeningMessage = { type: "rampart-guard-listening", url };
  process.send?.(message);
}
