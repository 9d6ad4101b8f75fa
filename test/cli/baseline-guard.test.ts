import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { loadGuard } from "../../src/guard/config/load.js";
import { startGuard } from "../../src/guard/server.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { startDemo } from "../helpers/demo-client.js";

/**
 * `rampart scan` of the flawed demo behind a guard started for this scan alone (demo/guard.yaml,
 * the scan's section of demo/rampart.yaml, one file as a team keeps it): other ports, other
 * server-made ids, other tokens the guard issues, other random probe paths every time.
 */
async function scanBehindFreshGuard(args: readonly string[], cwd: string) {
  const api = await startDemo("all");
  try {
    writeFileSync(join(cwd, "openapi.json"), await (await fetch(`${api.url}/openapi.json`)).text());
    const table = await loadGuard(
      { config: "rampart.yaml", upstream: api.url, listen: "127.0.0.1:0" },
      cwd,
    );
    const guard = await startGuard({ table, log: { write: () => true }, logLevel: "silent" });
    try {
      api.setPublicUrl(guard.url);
      return await runCli(["scan", guard.url, "--openapi", "openapi.json", ...args], { cwd });
    } finally {
      await guard.close();
    }
  } finally {
    await api.close();
  }
}

test("scan --baseline behind the guard: the unchanged flawed demo behind an unchanged guard, scanned twice, is 0 new, 0 fixed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-baseline-guard-"));
  const guard = parse(readFileSync(join(ROOT, "demo/guard.yaml"), "utf8")) as object;
  const scan = parse(readFileSync(join(ROOT, "demo/rampart.yaml"), "utf8")) as { scan: object };
  writeFileSync(join(dir, "rampart.yaml"), stringify({ ...guard, scan: scan.scan }));

  const first = await scanBehindFreshGuard(
    ["-c", "rampart.yaml", "--fail-on", "none", "--format", "json", "-o", "last.json"],
    dir,
  );
  assert.equal(first.code, 0, first.stderr);
  const before = JSON.parse(readFileSync(join(dir, "last.json"), "utf8"));
  assert.ok(before.findings.length > 0, "the guard leaves the upstream's own flaws to find");

  const second = await scanBehindFreshGuard(
    ["-c", "rampart.yaml", "--baseline", "last.json", "--fail-on", "info", "-o", "json=now.json"],
    dir,
  );
  const now = JSON.parse(readFileSync(join(dir, "now.json"), "utf8"));
  const fresh = now.findings.filter((f: { baseline: string }) => f.baseline === "new");
  assert.deepEqual(
    fresh.map((f: { id: string }) => f.id),
    [],
    "nothing changed: no finding is new",
  );
  assert.deepEqual(
    now.baseline.fixed.map((f: { id: string }) => f.id),
    [],
    "nothing changed: nothing is fixed",
  );
  assert.equal(second.code, 0, second.stderr);
});
