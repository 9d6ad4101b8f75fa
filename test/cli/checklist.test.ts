import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ITEM_IDS } from "../../src/catalog/ids.js";
import { fixture, runCli } from "../helpers/cli.js";

const TODAY = new Date("2026-11-28T12:00:00Z");

test("checklist --format json prints every item with its section and coverage", async () => {
  const { code, stdout, stderr } = await runCli(["checklist", "--format", "json"]);
  assert.equal(code, 0);
  assert.equal(stderr, "");
  const report = JSON.parse(stdout);
  assert.equal(report.tool, "rampart");
  assert.equal(report.schemaVersion, 1);
  assert.equal(report.kind, "checklist");
  assert.deepEqual(
    report.items.map((i: { id: string }) => i.id),
    [...ITEM_IDS],
  );
  for (const item of report.items) {
    assert.equal(typeof item.section, "string");
    assert.deepEqual(Object.keys(item.coverage).sort(), ["audit", "guard", "scan"]);
    assert.ok(["covered", "partial", "not_covered", "manual"].includes(item.state));
  }
  assert.equal(report.summary.items, ITEM_IDS.length);
});

test("checklist text shows sections, items and what covers them", async () => {
  const { code, stdout } = await runCli(["checklist"]);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^Rampart checklist: 58 items \(52 from the API Security Checklist, 6 beyond it\)/,
  );
  assert.match(stdout, /\nAuthentication\n {2}AUTH-01 {2}/);
  assert.match(stdout, /\nBeyond the checklist\n/);
  assert.match(stdout, /manual: not attested/);
  assert.ok(!stdout.includes("\u001b["), "no colour codes when stdout is not a terminal");
});

test("checklist --config shows attestations and warns about stale reviews", async () => {
  const { code, stdout, stderr } = await runCli(
    ["checklist", "--format", "json", "--config", fixture("config/attest.yaml")],
    { now: TODAY },
  );
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  const byId = new Map(report.items.map((i: { id: string }) => [i.id, i]));
  assert.deepEqual((byId.get("CI-02") as { attestation: unknown }).attestation, {
    status: "done",
    evidence: "Branch protection requires one approving review from someone other than the author",
    owner: "platform-team",
    reviewed: "2026-10-15",
    stale: false,
  });
  assert.equal(
    (byId.get("PROC-09") as { attestation: { stale: boolean } }).attestation.stale,
    true,
  );
  assert.equal((byId.get("CI-01") as { attestation: unknown }).attestation, null);
  assert.equal(
    stderr,
    "warning: PROC-09: attestation reviewed 2026-01-10, more than 90 days ago: review it again\n",
  );
});

test("checklist --config with bad ids, statuses and dates: every problem at once, exit 2", async () => {
  const { code, stdout, stderr } = await runCli(
    ["checklist", "--config", fixture("config/bad-attest.yaml")],
    {
      now: TODAY,
    },
  );
  assert.equal(code, 2);
  assert.equal(stdout, "");
  const lines = stderr.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^rampart: ERR_CONFIG_INVALID .*bad-attest\.yaml: 3 problems$/);
  assert.match(
    stderr,
    /bad-attest\.yaml:2:3 \/attest\/NOPE-01: unknown checklist item id "NOPE-01"/,
  );
  assert.match(
    stderr,
    /bad-attest\.yaml:5:13 \/attest\/CI-02\/status: must be one of done, not_done, not_applicable \(got "yes"\)/,
  );
  assert.match(
    stderr,
    /bad-attest\.yaml:8:15 \/attest\/CI-03\/reviewed: must be a valid date \(YYYY-MM-DD\) \(got "26\/11\/2026"\)/,
  );
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test("checklist --config with a missing file: one line, ERR_CONFIG_READ, exit 2", async () => {
  const { code, stderr } = await runCli(["checklist", "--config", "no-such-rampart.yaml"]);
  assert.equal(code, 2);
  assert.match(stderr, /^rampart: ERR_CONFIG_READ .*no-such-rampart\.yaml: no such file\n$/);
});

test("checklist --config with a YAML bomb: ERR_CONFIG_PARSE, exit 2", async () => {
  const { code, stderr } = await runCli([
    "checklist",
    "--config",
    fixture("config/yaml-bomb.yaml"),
  ]);
  assert.equal(code, 2);
  assert.match(
    stderr,
    /^rampart: ERR_CONFIG_PARSE .*yaml-bomb\.yaml: YAML aliases expand beyond the limit of 100/,
  );
});

test("checklist --format pdf: one usage line naming the choices, exit 2", async () => {
  const { code, stdout, stderr } = await runCli(["checklist", "--format", "pdf"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(
    stderr,
    "rampart: ERR_USAGE option '--format <format>' argument 'pdf' is invalid. Allowed choices are text, json, markdown. (see rampart --help)\n",
  );
});

test("unknown command and unknown option: ERR_USAGE, exit 2", async () => {
  const a = await runCli(["chekclist"]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /^rampart: ERR_USAGE unknown command 'chekclist'/);
  const b = await runCli(["checklist", "--colour"]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /^rampart: ERR_USAGE unknown option '--colour'/);
});

test("checklist --output writes the report to a file", async () => {
  const file = join(tmpdir(), `rampart-checklist-${process.pid}.md`);
  const { code, stdout } = await runCli(["checklist", "--format", "markdown", "--output", file]);
  assert.equal(code, 0);
  assert.equal(stdout, "");
  assert.match(
    readFileSync(file, "utf8"),
    /^\| Id \| Section \| Item \| Scan \| Audit \| Guard \| Manual \|$/m,
  );
});

test("--version and --help exit 0", async () => {
  const v = await runCli(["--version"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = await runCli(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /checklist/);
});
