// The audit's score (issue 16, item 3): one cost per rule, weighted by severity and by the share
// of operations its findings bear on, so that a large document is not graded by its size.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { operationReach } from "../../src/audit/reach.js";
import { type AuditReach, computeAuditScore, ruleCost } from "../../src/audit/score.js";
import type { Finding } from "../../src/core/finding.js";
import type { Severity } from "../../src/core/severity.js";
import { loadOpenApiFile } from "../../src/openapi/load.js";
import { listOperations } from "../../src/openapi/operations.js";
import { fixture } from "../helpers/cli.js";

function finding(id: string, checkId: string, severity: Severity): Finding {
  return {
    id,
    fingerprint: id,
    checkId,
    items: ["IN-04"],
    severity,
    confidence: "high",
    title: checkId,
    detail: "",
    evidence: {},
    location: { kind: "document", file: "a.yaml", pointer: `/${id}` },
    remediation: "",
    references: { owasp: [], cwe: [] },
  };
}

/** 100 operations; each finding id `fN` bears on operation N, `doc` on none (the whole API). */
const reach: AuditReach = {
  operations: 100,
  of: (f) => (f.id.startsWith("f") ? [`op${f.id.slice(1)}`] : []),
};

describe("audit score", () => {
  it("is 100 and A+ without findings, and not A+ with info findings only", () => {
    assert.deepEqual(computeAuditScore([], reach), { score: 100, grade: "A+" });
    assert.deepEqual(computeAuditScore([finding("f1", "r", "info")], reach), {
      score: 100,
      grade: "A",
    });
  });

  it("charges a rule once however many operations repeat it: size alone does not grade", () => {
    const one = computeAuditScore([finding("f1", "r", "medium")], reach);
    const many = computeAuditScore(
      Array.from({ length: 50 }, (_, i) => finding(`f${i}`, "r", "medium")),
      reach,
    );
    // 12 × (0.5 + 0.5 × 1/100) and 12 × (0.5 + 0.5 × 50/100).
    assert.equal(one.score, 94);
    assert.equal(many.score, 91);
  });

  it("weights a rule by the share of operations it touches; a document-wide finding is share 1", () => {
    assert.equal(ruleCost([finding("doc", "r", "high")], reach), 25);
    assert.equal(ruleCost([finding("f1", "r", "high")], reach), 12.625);
  });

  it("takes the worst of a rule's severity bands", () => {
    const low = Array.from({ length: 100 }, (_, i) => finding(`f${i}`, "r", "low"));
    // low on every operation: 4; medium on one: 12 × 0.505 = 6.06.
    assert.ok(Math.abs(ruleCost([...low, finding("f0", "r", "medium")], reach) - 6.06) < 1e-9);
  });

  it("multiplies the costs of several rules: more flawed rules, lower score, never below 0", () => {
    const two = computeAuditScore(
      [finding("doc", "a", "high"), finding("doc", "b", "high")],
      reach,
    );
    assert.equal(two.score, 56); // 100 × 0.75 × 0.75
    const all = Array.from({ length: 22 }, (_, i) => finding("doc", `r${i}`, "critical"));
    const worst = computeAuditScore(all, reach);
    assert.equal(worst.grade, "F");
    assert.ok(worst.score >= 0);
  });
});

describe("operation reach", () => {
  it("finds the operations a node sits in or reaches it through $refs", async () => {
    const doc = await loadOpenApiFile(fixture("openapi/score/shared.yaml"));
    const of = operationReach(doc, listOperations(doc));
    const users = "/paths/~1users/get";
    const user = "/paths/~1users~1{id}/get";
    const remove = "/paths/~1users~1{id}/delete";
    assert.deepEqual(of(`${user}/responses`), [user]);
    assert.deepEqual([...of("/paths/~1users~1{id}/parameters/0")].sort(), [remove, user].sort());
    assert.deepEqual(
      [...of("/components/schemas/User/properties/name")].sort(),
      [users, user].sort(),
    );
    assert.deepEqual(of("/components/schemas/Page"), [users]);
    assert.deepEqual(of("/components/schemas/Unused"), []);
    assert.deepEqual(of("/servers/0"), []);
  });
});
