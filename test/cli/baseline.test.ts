import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, runCli } from "../helpers/cli.js";
import { sarifSkip, sarifValidator } from "../helpers/sarif-schema.js";

const validateSarif = sarifValidator();

/** The same document path audited twice, as CI does across two commits. */
async function auditTwice(failOn = "high") {
  const dir = mkdtempSync(join(tmpdir(), "rampart-baseline-"));
  copyFileSync(fixture("openapi/baseline/before.yaml"), join(dir, "openapi.yaml"));
  const first = await runCli(["audit", "openapi.yaml", "--format", "json", "-o", "last.json"], {
    cwd: dir,
  });
  assert.equal(first.code, 1);
  copyFileSync(fixture("openapi/baseline/after.yaml"), join(dir, "openapi.yaml"));
  const second = await runCli(
    ["audit", "openapi.yaml", "--baseline", "last.json", "--format", "json", "--fail-on", failOn],
    { cwd: dir },
  );
  return { dir, ...second, report: JSON.parse(second.stdout) };
}

test("--baseline marks findings new or unchanged and lists the fixed ones", async () => {
  const { report } = await auditTwice();
  const state = Object.fromEntries(
    report.findings.map((f: { checkId: string; baseline: string }) => [f.checkId, f.baseline]),
  );
  assert.equal(state["integer-id"], "unchanged");
  assert.equal(state["secret-in-url"], "new");
  assert.deepEqual(
    report.baseline.fixed.map((f: { checkId: string }) => f.checkId),
    ["basic-auth-scheme"],
  );
  assert.equal(report.baseline.file, "last.json");
  assert.equal(report.baseline.new + report.baseline.unchanged, report.findings.length);
});

test("--baseline: only new findings decide the exit code", async () => {
  // integer-id (medium) is unchanged, secret-in-url (high) is new.
  assert.equal((await auditTwice("high")).code, 1);
  const dir = mkdtempSync(join(tmpdir(), "rampart-baseline-"));
  copyFileSync(fixture("openapi/baseline/before.yaml"), join(dir, "openapi.yaml"));
  await runCli(["audit", "openapi.yaml", "--format", "json", "-o", "last.json"], { cwd: dir });
  const same = await runCli(
    ["audit", "openapi.yaml", "--baseline", "last.json", "--fail-on", "low"],
    {
      cwd: dir,
    },
  );
  assert.equal(same.code, 0, "nothing new: the old high finding does not fail the build");
  assert.match(same.stdout, /Baseline last\.json: 0 new, \d+ unchanged, 0 fixed/);
});

test("--baseline shows in SARIF as baselineState", async () => {
  const { dir } = await auditTwice();
  const { stdout } = await runCli(
    ["audit", "openapi.yaml", "--baseline", "last.json", "--format", "sarif"],
    { cwd: dir },
  );
  const states = JSON.parse(stdout).runs[0].results.map(
    (r: { ruleId: string; baselineState: string }) => `${r.ruleId}=${r.baselineState}`,
  );
  assert.ok(states.includes("secret-in-url=new"));
  assert.ok(states.includes("integer-id=unchanged"));
});

test("--baseline with a missing file, a non-report or a scan report: ERR_BASELINE_INVALID, exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-baseline-"));
  copyFileSync(fixture("openapi/baseline/before.yaml"), join(dir, "openapi.yaml"));
  writeFileSync(join(dir, "junk.json"), '{"hello":1}');
  writeFileSync(
    join(dir, "scan.json"),
    JSON.stringify({ tool: "rampart", schemaVersion: 1, kind: "scan", findings: [] }),
  );
  const cases: [string, RegExp][] = [
    ["nope.json", /ERR_BASELINE_INVALID nope\.json: no such file/],
    ["junk.json", /ERR_BASELINE_INVALID junk\.json: not a Rampart JSON report/],
    ["scan.json", /ERR_BASELINE_INVALID scan\.json: is a scan report, not an audit report/],
  ];
  for (const [file, message] of cases) {
    const { code, stderr } = await runCli(["audit", "openapi.yaml", "--baseline", file], {
      cwd: dir,
    });
    assert.equal(code, 2, file);
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1);
  }
  assert.ok(readFileSync(join(dir, "openapi.yaml"), "utf8").length > 0);
});

test("scan --baseline with a missing file fails before sending a single request", async () => {
  const { code, stderr } = await runCli(["scan", "http://127.0.0.1:9", "--baseline", "nope.json"], {
    cwd: tmpdir(),
  });
  assert.equal(code, 2);
  assert.match(stderr, /^rampart: ERR_BASELINE_INVALID nope\.json: no such file\n$/);
});

test("--baseline SARIF: an ignored finding is a suppressed result with its reason, a fixed one is absent; valid SARIF 2.1.0", {
  skip: sarifSkip(validateSarif),
}, async () => {
  const { dir } = await auditTwice();
  writeFileSync(
    join(dir, "rampart.yaml"),
    "ignore:\n  - check: integer-id\n    reason: legacy ids, migration planned\n",
  );
  const { code, stdout } = await runCli(
    ["audit", "openapi.yaml", "--baseline", "last.json", "-c", "rampart.yaml", "--format", "sarif"],
    { cwd: dir },
  );
  assert.equal(code, 1, "secret-in-url is new and high");
  const log = JSON.parse(stdout);
  assert.ok(validateSarif?.(log), JSON.stringify(validateSarif?.errors, null, 2));
  const results: {
    ruleId: string;
    baselineState?: string;
    suppressions?: unknown[];
    partialFingerprints: Record<string, string>;
  }[] = log.runs[0].results;
  const ignored = results.find((r) => r.ruleId === "integer-id");
  assert.deepEqual(ignored?.suppressions, [
    { kind: "external", status: "accepted", justification: "legacy ids, migration planned" },
  ]);
  const fixed = results.find((r) => r.ruleId === "basic-auth-scheme");
  assert.equal(fixed?.baselineState, "absent");
  assert.equal(results.find((r) => r.ruleId === "secret-in-url")?.baselineState, "new");
  for (const r of results)
    assert.match(r.partialFingerprints["rampartFinding/v2"] ?? "", /^[0-9a-f]{32}$/);
  const rules: { id: string }[] = log.runs[0].tool.driver.rules;
  for (const r of results)
    assert.ok(
      rules.some((rule) => rule.id === r.ruleId),
      r.ruleId,
    );
});

test("--baseline: a finding suppressed since is accepted, not fixed; the JSON report lists it with its reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-baseline-"));
  copyFileSync(fixture("openapi/baseline/before.yaml"), join(dir, "openapi.yaml"));
  await runCli(["audit", "openapi.yaml", "--format", "json", "-o", "last.json"], { cwd: dir });
  writeFileSync(
    join(dir, "rampart.yaml"),
    "ignore:\n  - check: integer-id\n    reason: legacy ids, migration planned\n",
  );
  const { stdout } = await runCli(
    ["audit", "openapi.yaml", "--baseline", "last.json", "-c", "rampart.yaml", "--format", "json"],
    { cwd: dir },
  );
  const report = JSON.parse(stdout);
  assert.deepEqual(report.baseline.fixed, []);
  assert.equal(report.baseline.new, 0);
  assert.deepEqual(
    report.suppressed.map((s: { finding: { checkId: string }; reason: string; source: string }) => [
      s.finding.checkId,
      s.reason,
      s.source,
    ]),
    [["integer-id", "legacy ids, migration planned", "config"]],
  );
});
