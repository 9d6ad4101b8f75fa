import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { ItemId } from "../../src/catalog/ids.js";
import type { Finding } from "../../src/core/finding.js";
import { buildReport, type ItemOutcome } from "../../src/core/report.js";

const catalog = loadCatalog();

function finding(id: string, items: ItemId[], severity: Finding["severity"]): Finding {
  return {
    id,
    fingerprint: id,
    checkId: "c",
    items,
    severity,
    confidence: "high",
    title: "t",
    detail: "d",
    evidence: {},
    location: { kind: "http", url: "http://127.0.0.1/", method: "GET" },
    remediation: "r",
    references: { owasp: [], cwe: [] },
  };
}

test("item verdicts: fail on a finding, warn on info only, pass when a check ran clean", () => {
  const outcomes = new Map<ItemId, ItemOutcome>([
    ["OUT-01", { ran: true }],
    ["OUT-04", { ran: true }],
    ["ACC-03", { ran: true }],
    ["PROC-04", { ran: false, notApplicable: true, reason: "no operation accepts XML" }],
  ]);
  const report = buildReport(
    {
      kind: "scan",
      target: "http://127.0.0.1:1",
      startedAt: "2026-11-28T00:00:00.000Z",
      durationMs: 5,
      requests: 3,
      findings: [finding("f1", ["OUT-01"], "medium"), finding("f2", ["OUT-04"], "info")],
      checks: [],
    },
    catalog,
    outcomes,
  );
  const byId = new Map(report.items.map((i) => [i.id, i]));
  assert.equal(byId.get("OUT-01")?.verdict, "fail");
  assert.deepEqual(byId.get("OUT-01")?.findings, ["f1"]);
  assert.equal(byId.get("OUT-04")?.verdict, "warn");
  assert.equal(byId.get("ACC-03")?.verdict, "pass");
  assert.deepEqual(byId.get("PROC-04"), {
    id: "PROC-04",
    verdict: "not_applicable",
    reason: "no operation accepts XML",
    findings: [],
  });
  assert.equal(byId.get("ACC-01")?.verdict, "not_tested");
  assert.equal(byId.get("CI-02")?.verdict, "manual");
  assert.equal(byId.get("PROC-06")?.verdict, "manual"); // audit + manual, not scan
  assert.equal(byId.get("IN-07")?.verdict, "not_applicable"); // guard only
  assert.equal(report.items.length, catalog.items.length);
  // medium fail (8) + warn (2)
  assert.deepEqual([report.score, report.grade], [90, "A"]);
});
