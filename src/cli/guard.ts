import cluster from "node:cluster";
import { resolve } from "node:path";
import { RampartError } from "../core/errors.js";
import { type GuardFlags, loadGuard } from "../guard/config/load.js";
import type { RouteTable } from "../guard/config/route-table.js";
import { batchedLog } from "../guard/ops/log-batch.js";
import type { RouteSpec } from "../guard/policy.js";
import { watchReload } from "../guard/reload.js";
import { startGuard } from "../guard/server.js";
import { announceWorker, assertShareable, runPrimary } from "../guard/workers.js";
import type { CliIO } from "./io.js";

export interface GuardCommandOptions extends GuardFlags {
  readonly check?: boolean;
  /** Processes serving the listener (node:cluster); 1 runs in this process. */
  readonly workers?: string;
}

/**
 * `rampart guard`: validates the config and serves until SIGINT / SIGTERM (io.signal), reloading
 * on SIGHUP and on file change. `--check` does everything start does short of listening (reads
 * and parses the config, certificates, keys and the OpenAPI document, prints the same warnings),
 * then prints the effective route table and exits 0; any problem exits 2.
 *
 * @example
 * ```ts
 * await guardCommand({ config: "rampart.yaml", check: true }, io); // 0, or a RampartError (exit 2)
 * ```
 */
export async function guardCommand(options: GuardCommandOptions, io: CliIO): Promise<number> {
  const flags: GuardFlags = {
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.upstream !== undefined ? { upstream: options.upstream } : {}),
    ...(options.openapi !== undefined ? { openapi: options.openapi } : {}),
    ...(options.listen !== undefined ? { listen: options.listen } : {}),
    ...(options.admin !== undefined ? { admin: options.admin } : {}),
    ...(options.store !== undefined ? { store: options.store } : {}),
  };
  const workers = parseWorkers(options.workers);
  const table = await loadGuard(flags, io.cwd);
  assertShareable(table, workers);
  const isWorker = cluster.isWorker && io.env.RAMPART_GUARD_WORKER === "1";
  // --check warns as start does (workers leave it to the primary).
  if (!isWorker)
    for (const warning of startWarnings(table)) io.stderr.write(`rampart: warning: ${warning}\n`);
  if (options.check) {
    io.stdout.write(describeTable(table));
    return 0;
  }
  if (workers > 1 && !isWorker)
    return runPrimary({
      workers,
      table,
      stderr: io.stderr,
      ...(io.signal ? { signal: io.signal } : {}),
    });
  // Access log lines reach stdout in batches, not one system call per request; whatever is
  // still gathered is written when the guard closes or the process exits.
  const log = batchedLog(io.stdout);
  const flushLog = () => log.flush();
  process.once("exit", flushLog);
  const guard = await startGuard({
    table,
    log,
    // Under --workers the primary serves the admin listener, with every worker's metrics.
    ...(isWorker ? { admin: false, logBase: { worker: cluster.worker?.id } } : {}),
  }).catch((error: unknown) => {
    // A worker's IPC channel would keep it alive: let it go, so that it exits with the error's
    // code and the primary sees a start that failed.
    if (isWorker) cluster.worker?.disconnect();
    throw error;
  });
  if (isWorker) announceWorker(guard.url, guard.metrics.registry);
  const watched: string[] = [];
  if (options.config !== undefined) watched.push(resolve(io.cwd, options.config));
  if (options.openapi !== undefined) watched.push(resolve(io.cwd, options.openapi));
  if (table.tls) watched.push(table.tls.certFile, table.tls.keyFile);
  for (const upstream of table.upstreams.values()) watched.push(...(upstream.tls?.files ?? []));
  const reloader = watchReload(guard, () => loadGuard(flags, io.cwd), watched);
  const onHangup = () => void reloader.reload();
  process.on("SIGHUP", onHangup);
  if (!isWorker)
    io.stderr.write(
      `rampart guard: ${guard.url}${guard.adminUrl ? ` (admin ${guard.adminUrl})` : ""}, ${table.routes.length} routes\n`,
    );
  await new Promise<void>((done) => {
    if (!io.signal) return; // without a signal the guard runs until the process ends
    if (io.signal.aborted) return done();
    io.signal.addEventListener("abort", () => done(), { once: true });
  });
  process.off("SIGHUP", onHangup);
  reloader.close();
  await guard.close();
  log.flush();
  process.off("exit", flushLog);
  return 0;
}

/** What start warns about (and `--check` too): a valid config that is probably not meant. */
function startWarnings(table: RouteTable): string[] {
  return table.routes.some((r) => r.spec.limits !== undefined)
    ? []
    : ["no route has rate limits (ACC-01); add limits: to the routes or to defaults:"];
}

function parseWorkers(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256)
    throw new RampartError(
      "ERR_USAGE",
      `--workers must be an integer from 1 to 256 (got "${value}")`,
    );
  return n;
}

/** The effective route table, one route per line, as `--check` prints it. */
export function describeTable(table: RouteTable): string {
  const lines = [
    `listen   ${table.tls ? "https" : "http"}://${table.listen.host}:${table.listen.port}${table.tls ? "" : "  (plain HTTP: no TLS configured)"}`,
    ...(table.admin ? [`admin    http://${table.admin.host}:${table.admin.port}`] : []),
    ...[...table.upstreams.values()].map((u) => `upstream ${u.name} ${u.origin}`),
    `store    ${table.store === "memory" ? "memory (this process only)" : redactStoreUrl(table.store)}`,
    `routes   ${table.routes.length}`,
  ];
  // With a document, every route says what the positive model checks on it, or that it does not.
  const validating = table.routes.some((r) => r.spec.operations.size > 0);
  for (const route of table.routes) {
    const s = route.spec;
    const access = s.public
      ? "public"
      : s.authentication === "upstream"
        ? "upstream-auth"
        : "auth-required (401)";
    lines.push(
      `  ${s.methods.join(",").padEnd(18)} ${s.path}  ${access}  accepts=${s.accepts.join(",") || "-"} produces=${s.produces.join(",")} bodyLimit=${s.bodyLimit}${s.allowFrom ? ` allowFrom=${s.allowFrom.join(",")}` : ""}${s.upstream !== "default" ? ` upstream=${s.upstream}` : ""}${s.scopes.length > 0 ? ` scopes=${s.scopes.join(",")}` : ""}${s.limits ? ` limits=${s.limits.map(describeLimit).join(";")}` : ""}${s.lockout ? ` lockout=${s.lockout.maxConsecutiveFailures}/user+ip,${s.lockout.maxFailuresPerIp}/ip` : ""}`,
    );
    lines.push(...describeValidation(route.spec, validating));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * What the positive model checks on a route, one line per operation: the parameters by
 * location, the request bodies, the response statuses whose JSON bodies are filtered.
 */
function describeValidation(spec: RouteSpec, validating: boolean): string[] {
  const v = spec.policies.validation;
  if (!validating) return [];
  if (v.mode === "off") return ["      validation off"];
  if (spec.operations.size === 0)
    return ["      validation none: no operation of the OpenAPI document (passes unchecked)"];
  const lines: string[] = [];
  for (const [method, contract] of spec.operations) {
    const op = contract.compile({ strip: v.unknownProperties === "strip" });
    const parts = [
      ["path", op.path?.names],
      ["query", op.query?.names],
      ["headers", op.header?.names],
      ["cookies", op.cookie?.names],
    ]
      .filter(([, names]) => names && names.length > 0)
      .map(([where, names]) => `${where}=${(names as string[]).join(",")}`);
    if (op.query) parts.push("undeclared-query=refused");
    if (op.bodies)
      parts.push(
        `body=${[...op.bodies.keys()].join(",")}${op.bodyRequired ? "(required)" : ""} unknownProperties=${v.unknownProperties}`,
      );
    const filtered = [...op.responses].filter(([, shapes]) => shapes.size > 0).map(([s]) => s);
    parts.push(`responses=${[...op.responses.keys()].join(",") || "-"}`);
    if (filtered.length > 0) parts.push(`filtered=${filtered.join(",")}(${v.responses})`);
    const { path, operationId } = contract.operation;
    lines.push(
      `      validation ${v.mode} ${method} ${path}${operationId ? ` (${operationId})` : ""}: ${parts.join(" ")}`,
    );
  }
  return lines;
}

function describeLimit(
  limit: NonNullable<RouteTable["routes"][number]["spec"]["limits"]>[number],
): string {
  const parts = [
    limit.quota ? `${limit.quota.requests}/${limit.quota.windowSeconds}s` : "",
    limit.spike ? `${limit.spike.perSecond}/s+${limit.spike.burst}` : "",
    limit.concurrency ? `${limit.concurrency} at once` : "",
  ].filter(Boolean);
  return `${limit.name}(${limit.key}: ${parts.join(", ")})`;
}

/** A store URL without its password, for output. */
function redactStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis://(invalid URL)";
  }
}
