import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, runCli } from "../helpers/cli.js";
import { startDemo } from "../helpers/demo-client.js";
import { sarifSkip, sarifValidator } from "../helpers/sarif-schema.js";

const validateSarif = sarifValidator();

/**
 * `rampart scan` of a flawed demo started for this scan alone, as a CI job starts its test
 * server: another port, other server-made ids, other random probe paths every time.
 */
async function scanFreshDemo(args: readonly string[], cwd: string) {
  const api = await startDemo("all", { tlsPort: 0 });
  try {
    return await runCli(["scan", api.tlsUrl ?? api.url, ...args], { cwd });
  } finally {
    await api.close();
  }
}

test("scan --baseline: the unchanged demo scanned twice is 0 new, 0 fixed; an ignored finding is a suppressed SARIF result, not a fixed one", {
  skip: sarifSkip(validateSarif),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-baseline-scan-"));
  const config = readFileSync(join(ROOT, "demo/rampart.yaml"), "utf8");
  writeFileSync(join(dir, "rampart.yaml"), config);
  const first = await scanFreshDemo(
    ["-c", "rampart.yaml", "--format", "json", "-o", "last.json"],
    dir,
  );
  assert.equal(first.code, 1, first.stderr);
  const before = JSON.parse(readFileSync(join(dir, "last.json"), "utf8"));
  assert.ok(before.findings.length > 20, `${before.findings.length} findings`);

  writeFileSync(
    join(dir, "rampart.yaml"),
    `${config}\nignore:\n  - check: ext-04-security-txt\n    reason: published by the CDN, not the API\n`,
  );
  const second = await scanFreshDemo(
    [
      "-c",
      "rampart.yaml",
      "--baseline",
      "last.json",
      "--fail-on",
      "info",
      "--format",
      "text",
      "-o",
      "json=now.json",
      "-o",
      "sarif=now.sarif",
    ],
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
  assert.equal(now.baseline.unchanged, now.findings.length);
  assert.equal(second.code, 0, "only new findings fail the build, even at --fail-on info");
  assert.match(second.stdout, /Baseline last\.json: 0 new, \d+ unchanged, 0 fixed/);

  const log = JSON.parse(readFileSync(join(dir, "now.sarif"), "utf8"));
  assert.ok(validateSarif?.(log), JSON.stringify(validateSarif?.errors, null, 2));
  const results: { ruleId: string; baselineState?: string; suppressions?: unknown[] }[] =
    log.runs[0].results;
  const ignored = results.filter((r) => r.suppressions !== undefined);
  assert.ok(ignored.length > 0);
  for (const r of ignored) {
    assert.equal(r.ruleId, "ext-04-security-txt");
    assert.deepEqual(r.suppressions, [
      { kind: "external", status: "accepted", justification: "published by the CDN, not the API" },
    ]);
  }
  assert.ok(results.every((r) => r.baselineState !== "absent"));
  assert.ok(results.every((r) => r.suppressions || r.baselineState === "unchanged"));
});
