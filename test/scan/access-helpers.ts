import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import type { ScanConfig } from "../../src/scan/config.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanOptions } from "../../src/scan/options.js";
import type { ScanCheck } from "../../src/scan/types.js";

const catalog = loadCatalog();

const loginOf = (user: "alice" | "bob" | "carol") => ({
  path: "/auth/login",
  body: { username: user, password: DEMO_USERS[user].password },
});

/** The `scan:` section of demo/rampart.yaml: alice and bob, the demo's OAuth client. */
export const DEMO_SCAN_CONFIG: ScanConfig = {
  identities: [
    { name: "alice", login: loginOf("alice") },
    { name: "bob", login: loginOf("bob") },
  ],
  oauth: {
    clientId: "demo-client",
    redirectUri: "https://client.demo.test/callback",
    scopes: ["orders:read"],
  },
};

/** Scans a demo with the given checks only, logged in as alice, with the demo's scan config. */
export function scanWith(
  api: DemoApi,
  checks: readonly ScanCheck[],
  options: Partial<ScanOptions> = {},
): Promise<Report> {
  return runScan(
    { target: api.url, login: loginOf("alice"), config: DEMO_SCAN_CONFIG, ...options },
    { catalog, checks },
  );
}

export function findingsOf(report: Report, checkId: string) {
  return report.findings.filter((f) => f.checkId === checkId);
}

export function runOf(report: Report, checkId: string) {
  const run = report.checks.find((c) => c.id === checkId);
  if (!run) throw new Error(`no run of ${checkId}`);
  return run;
}
