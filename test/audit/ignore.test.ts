import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Finding } from "../../src/core/finding.js";
import { applySuppressions } from "../../src/core/ignore.js";

const base = {
  items: [],
  severity: "high",
  confidence: "high",
  title: "t",
  detail: "d",
  evidence: {},
  remediation: "r",
  references: { owasp: [], cwe: [] },
} as const;
const http: Finding = {
  ...base,
  id: "a",
  fingerprint: "fa",
  checkId: "hsts-missing",
  location: { kind: "http", url: "https://api.example.com/users/42/orders", method: "GET" },
};
const doc: Finding = {
  ...base,
  id: "b",
  fingerprint: "fb",
  checkId: "integer-id",
  location: { kind: "document", file: "specs/openapi.yaml", pointer: "/paths/~1users~1{id}/get" },
};
const today = new Date("2026-03-01T12:00:00Z");

describe("applySuppressions", () => {
  it("matches a URL prefix, a path template and a file#pointer prefix", () => {
    const cases: [string, Finding][] = [
      ["https://api.example.com/users", http],
      ["/users/{id}/orders", http],
      ["/users/{id}", doc],
      ["openapi.yaml#/paths", doc],
      ["#/paths/~1users~1{id}", doc],
    ];
    for (const [location, finding] of cases) {
      const { kept, suppressed } = applySuppressions(
        [finding],
        [{ check: finding.checkId, location, reason: "accepted" }],
        today,
      );
      assert.deepEqual([kept.length, suppressed.length], [0, 1], location);
    }
  });

  it("does not match another check, another place, or a pointer that only shares a prefix", () => {
    const cases: [string, string, Finding][] = [
      ["integer-id", "https://api.example.com/users", http],
      ["hsts-missing", "https://other.example.com/", http],
      ["hsts-missing", "/users/{id}", http],
      ["integer-id", "other.yaml#/paths", doc],
      ["integer-id", "#/paths/~1use", doc],
    ];
    for (const [check, location, finding] of cases) {
      const { kept } = applySuppressions([finding], [{ check, location, reason: "r" }], today);
      assert.equal(kept.length, 1, `${check} ${location}`);
    }
  });

  it("expired entries stop suppressing and warn; an entry is valid through its last day", () => {
    const expired = applySuppressions(
      [doc],
      [{ check: "integer-id", reason: "r", expires: "2026-02-28" }],
      today,
    );
    assert.equal(expired.kept.length, 1);
    assert.deepEqual(expired.warnings, [
      'ignore entry for "integer-id" expired on 2026-02-28: it no longer suppresses anything',
    ]);
    const lastDay = applySuppressions(
      [doc],
      [{ check: "integer-id", reason: "r", expires: "2026-03-01" }],
      today,
    );
    assert.equal(lastDay.kept.length, 0);
  });
});
