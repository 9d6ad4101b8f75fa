import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding, ItemResult } from "../../src/core/finding.js";
import { computeScore, gradeFor } from "../../src/core/score.js";
import type { Severity } from "../../src/core/severity.js";
import { atLeast, severityRank, worstSeverity } from "../../src/core/severity.js";

function finding(id: string, severity: Severity): Finding {
  return {
    id,
    fingerprint: id,
    checkId: "test-check",
    items: ["OUT-01"],
    severity,
    confidence: "high",
    title: "t",
    detail: "d",
    evidence: {},
    location: { kind: "http", url: "http://127.0.0.1/" },
    remediation: "r",
    references: { owasp: [], cwe: [] },
  };
}

test("severity order: critical > high > medium > low > info", () => {
  assert.deepEqual(
    ["info", "critical", "low", "high", "medium"].map((s) => severityRank(s as Severity)),
    [0, 4, 1, 3, 2],
  );
  assert.equal(atLeast("critical", "high"), true);
  assert.equal(atLeast("medium", "high"), false);
  assert.equal(worstSeverity(["low", "high", "medium"]), "high");
  assert.equal(worstSeverity([]), undefined);
  assert.throws(() => severityRank("severe" as Severity), TypeError);
});

test("all items passing scores 100 and A+", () => {
  const items: ItemResult[] = [
    { id: "OUT-01", verdict: "pass", findings: [] },
    { id: "ACC-04", verdict: "not_tested", reason: "no spec", findings: [] },
  ];
  assert.deepEqual(computeScore(items, []), { score: 100, grade: "A+" });
});

test("each failing item costs the penalty of its worst finding, once", () => {
  const findings = [finding("f1", "high"), finding("f2", "low"), finding("f3", "critical")];
  const items: ItemResult[] = [
    { id: "OUT-01", verdict: "fail", findings: ["f1", "f2"] }, // high: 15
    { id: "JWT-02", verdict: "fail", findings: ["f3"] }, // critical: 25
    { id: "OUT-04", verdict: "warn", findings: [] }, // warn: 2
  ];
  assert.deepEqual(computeScore(items, findings), { score: 58, grade: "F" });
});

test("a single warning keeps the score at 98 but loses the A+", () => {
  assert.deepEqual(computeScore([{ id: "OUT-04", verdict: "warn", findings: [] }], []), {
    score: 98,
    grade: "A",
  });
});

test("the score never goes below 0", () => {
  const findings = Array.from({ length: 10 }, (_, i) => finding(`f${i}`, "critical"));
  const items: ItemResult[] = findings.map((f, i) => ({
    id:
      (
        [
          "AUTH-01",
          "AUTH-03",
          "JWT-01",
          "JWT-02",
          "JWT-03",
          "ACC-01",
          "ACC-02",
          "IN-01",
          "IN-02",
          "IN-03",
        ] as const
      )[i] ?? "AUTH-01",
    verdict: "fail",
    findings: [f.id],
  }));
  assert.deepEqual(computeScore(items, findings), { score: 0, grade: "F" });
});

test("grade floors: 90 A, 80 B, 70 C, 60 D, below F", () => {
  assert.deepEqual(
    [100, 90, 89, 80, 79, 70, 69, 60, 59, 0].map((s) => gradeFor(s, true)),
    ["A", "A", "B", "B", "C", "C", "D", "D", "F", "F"],
  );
  assert.throws(() => gradeFor(101, false), { name: "TypeError" });
});
