import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { startDemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { loadCatalog } from "../catalog/catalog.js";
import { RampartError } from "../core/errors.js";
import type { Report } from "../core/report.js";
import { formatHtmlComparison } from "../report/index.js";
import { runScan } from "../scan/engine.js";
import { SCAN_CHECKS } from "../scan/registry.js";
import type { CliIO } from "./io.js";

export interface DemoOptions {
  /** Where the HTML comparison goes (relative to the cwd). */
  readonly output: string;
}

/**
 * `rampart demo`: starts the demo API flawed and hardened on loopback (HTTPS and plain HTTP on
 * ephemeral ports), scans the HTTPS side of both with the safe profile, logged in as a demo user,
 * prints the grades side by side with the items whose verdicts differ, writes the HTML
 * comparison, stops both and exits 0.
 */
export async function demoCommand(options: DemoOptions, io: CliIO): Promise<number> {
  const catalog = loadCatalog();
  const { username, password } = DEMO_USERS.alice;
  const login = { path: "/auth/login", body: { username, password } };
  const apis = await Promise.all([
    startDemoApi({ flaws: "all", port: 0, tlsPort: 0 }),
    startDemoApi({ flaws: "none", port: 0, tlsPort: 0 }),
  ]);
  let reports: Report[];
  try {
    io.stdout.write("Scanning the demo API: flawed and hardened, side by side...\n");
    reports = await Promise.all(
      apis.map((api) =>
        runScan(
          { target: api.tlsUrl ?? api.url, login, ...(io.signal ? { signal: io.signal } : {}) },
          { catalog, checks: SCAN_CHECKS },
        ),
      ),
    );
  } finally {
    await Promise.all(apis.map((api) => api.close()));
  }
  const [flawed, hardened] = reports as [Report, Report];
  io.stdout.write(`${sideBySide(flawed, hardened)}\n`);
  const html = formatHtmlComparison(
    [
      { label: "flawed", report: flawed },
      { label: "hardened", report: hardened },
    ],
    { catalog },
  );
  const path = resolve(io.cwd, options.output);
  try {
    writeFileSync(path, html);
  } catch (error) {
    throw new RampartError(
      "ERR_USAGE",
      `cannot write ${options.output}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  io.stdout.write(`Report written to ${options.output}\n`);
  return 0;
}

function sideBySide(flawed: Report, hardened: Report): string {
  const row = (label: string, a: string, b: string) => `  ${label.padEnd(12)}${a.padEnd(22)}${b}`;
  const lines = [
    row("", "flawed", "hardened"),
    row(
      "grade",
      `${flawed.grade} (${flawed.score}/100)`,
      `${hardened.grade} (${hardened.score}/100)`,
    ),
    row("findings", String(flawed.findings.length), String(hardened.findings.length)),
    row("requests", String(flawed.requests ?? 0), String(hardened.requests ?? 0)),
    row(
      "duration",
      `${(flawed.durationMs / 1000).toFixed(1)} s`,
      `${(hardened.durationMs / 1000).toFixed(1)} s`,
    ),
    "",
    "  Items whose verdict differs:",
  ];
  const other = new Map(hardened.items.map((i) => [i.id, i.verdict]));
  for (const item of flawed.items) {
    const b = other.get(item.id);
    if (b !== undefined && b !== item.verdict) lines.push(row(item.id, item.verdict, b));
  }
  return lines.join("\n");
}
