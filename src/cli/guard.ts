import { resolve } from "node:path";
import { type GuardFlags, loadGuard } from "../guard/config/load.js";
import type { RouteTable } from "../guard/config/route-table.js";
import { watchReload } from "../guard/reload.js";
import { startGuard } from "../guard/server.js";
import type { CliIO } from "./io.js";

export interface GuardCommandOptions extends GuardFlags {
  readonly check?: boolean;
}

/**
 * `rampart guard`: validates the config and serves until SIGINT / SIGTERM (io.signal), reloading
 * on SIGHUP and on file change; `--check` prints the effective route table and exits.
 */
export async function guardCommand(options: GuardCommandOptions, io: CliIO): Promise<number> {
  const flags: GuardFlags = {
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.upstream !== undefined ? { upstream: options.upstream } : {}),
    ...(options.openapi !== undefined ? { openapi: options.openapi } : {}),
    ...(options.listen !== undefined ? { listen: options.listen } : {}),
    ...(options.admin !== undefined ? { admin: options.admin } : {}),
  };
  const table = await loadGuard(flags, io.cwd);
  if (options.check) {
    io.stdout.write(describeTable(table));
    return 0;
  }
  const guard = await startGuard({ table, log: io.stdout });
  const watched: string[] = [];
  if (options.config !== undefined) watched.push(resolve(io.cwd, options.config));
  if (options.openapi !== undefined) watched.push(resolve(io.cwd, options.openapi));
  if (table.tls) watched.push(table.tls.certFile, table.tls.keyFile);
  const reloader = watchReload(guard, () => loadGuard(flags, io.cwd), watched);
  const onHangup = () => void reloader.reload();
  process.on("SIGHUP", onHangup);
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
  return 0;
}

/** The effective route table, one route per line, as `--check` prints it. */
export function describeTable(table: RouteTable): string {
  const lines = [
    `listen   ${table.tls ? "https" : "http"}://${table.listen.host}:${table.listen.port}${table.tls ? "" : "  (plain HTTP: no TLS configured)"}`,
    ...(table.admin ? [`admin    http://${table.admin.host}:${table.admin.port}`] : []),
    ...[...table.upstreams.values()].map((u) => `upstream ${u.name} ${u.origin}`),
    `routes   ${table.routes.length}`,
  ];
  for (const route of table.routes) {
    const s = route.spec;
    const access = s.public
      ? "public"
      : s.authentication === "upstream"
        ? "upstream-auth"
        : "auth-required (401)";
    lines.push(
      `  ${s.methods.join(",").padEnd(18)} ${s.path}  ${access}  accepts=${s.accepts.join(",") || "-"} produces=${s.produces.join(",")} bodyLimit=${s.bodyLimit}${s.allowFrom ? ` allowFrom=${s.allowFrom.join(",")}` : ""}${s.upstream !== "default" ? ` upstream=${s.upstream}` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
