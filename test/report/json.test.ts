import assert from "node:assert/strict";
import { test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { formatReport, REPORT_FORMATS } from "../../src/report/index.js";
import { catalog, cleanReport, scanReport } from "./reports.js";

test("json: the versioned document, pretty-printed, equal to the report", () => {
  const report = scanReport();
  const out = formatReport(report, "json", { catalog });
  assert.ok(out.startsWith('{\n  "tool": "rampart",\n  "schemaVersion": 1,\n  "kind": "scan",'));
  assert.ok(out.endsWith("}\n"));
  assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(report)));
});

test("json: key order is stable whatever order the engine built the objects in", () => {
  const report = scanReport();
  const shuffled = JSON.parse(JSON.stringify(report), function (this: unknown, _key, value) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).reverse());
  }) as Report;
  const a = formatReport(report, "json", { catalog });
  assert.equal(formatReport(shuffled, "json", { catalog }), a);
  const top = Object.keys(JSON.parse(a));
  assert.deepEqual(top, [
    "tool",
    "schemaVersion",
    "kind",
    "target",
    "startedAt",
    "durationMs",
    "requests",
    "score",
    "grade",
    "coverage",
    "items",
    "findings",
    "checks",
  ]);
  const finding = JSON.parse(a).findings[0];
  assert.deepEqual(Object.keys(finding), [
    "id",
    "fingerprint",
    "checkId",
    "items",
    "severity",
    "confidence",
    "title",
    "detail",
    "evidence",
    "location",
    "remediation",
    "references",
  ]);
  assert.deepEqual(Object.keys(finding.location), ["kind", "url", "method"]);
  assert.deepEqual(Object.keys(JSON.parse(a).items[0]), ["id", "verdict", "findings"]);
});

test("every format renders a clean report, and an unknown format is a TypeError", () => {
  for (const format of REPORT_FORMATS) {
    const out = formatReport(cleanReport(), format, { catalog });
    assert.ok(out.length > 0 && out.endsWith("\n"), format);
  }
  assert.throws(
    () => formatReport(cleanReport(), "pdf" as (typeof REPORT_FORMATS)[number], { catalog }),
    TypeError,
  );
});

test("every format but json (the report as is) hides credentials in the scanned URL", () => {
  const report: Report = {
    ...scanReport(),
    target: "http://alice:hunter2@127.0.0.1:4010/?api_key=k3y-value-123",
  };
  for (const format of REPORT_FORMATS.filter((f) => f !== "json")) {
    const out = formatReport(report, format, { catalog });
    assert.doesNotMatch(out, /hunter2|k3y-value-123/, format);
    assert.match(out, /127\.0\.0\.1:4010/, format);
  }
});
