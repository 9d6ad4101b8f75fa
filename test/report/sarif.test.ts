import assert from "node:assert/strict";
import { test } from "node:test";
import type * as Sarif from "sarif";
import type { Report } from "../../src/core/report.js";
import { formatReport } from "../../src/report/index.js";
import { sarifSkip, sarifValidator } from "../helpers/sarif-schema.js";
import { auditReport, catalog, cleanReport, scanReport } from "./reports.js";

const validate = sarifValidator();
const schemaSkip = sarifSkip(validate);

function sarif(report: Report, extra: { sarifBaseDir?: string } = {}): Sarif.Log {
  return JSON.parse(
    formatReport(report, "sarif", { catalog, toolVersion: "0.1.0", ...extra }),
  ) as Sarif.Log;
}

/** Locations that are not valid URIs as they stand: spaces, brackets, markup, a `#`. */
function oddLocations(): Report {
  const scan = scanReport();
  const audit = auditReport(1);
  return {
    ...scan,
    findings: [
      ...scan.findings.map((f) => ({
        ...f,
        location: { kind: "http" as const, url: "http://127.0.0.1:1/a b/[x]?q=<script>&token=abc" },
      })),
      ...audit.findings.map((f) => ({
        ...f,
        location: { kind: "document" as const, file: "my specs/open api#1.yaml", pointer: "/" },
      })),
    ],
  };
}

test("sarif: scan, audit and clean reports validate against the SARIF 2.1.0 schema", {
  skip: schemaSkip,
}, () => {
  for (const [name, log] of [
    ["scan", sarif(scanReport())],
    ["audit", sarif(auditReport(), { sarifBaseDir: "/repo" })],
    ["audit without base dir", sarif(auditReport())],
    ["clean", sarif(cleanReport())],
    ["odd URLs and file names", sarif(oddLocations(), { sarifBaseDir: "/x" })],
  ] as const) {
    const ok = validate?.(log);
    assert.ok(ok, `${name}: ${JSON.stringify(validate?.errors, null, 2)}`);
  }
});

test("sarif: one run by rampart, rules for every check that ran or reported, with GitHub ranking", () => {
  const log = sarif(scanReport());
  assert.equal(log.version, "2.1.0");
  assert.equal(log.runs.length, 1);
  const driver = log.runs[0]?.tool.driver;
  assert.equal(driver?.name, "rampart");
  assert.equal(driver?.version, "0.1.0");
  assert.equal(driver?.informationUri, undefined);
  const rules = new Map((driver?.rules ?? []).map((r) => [r.id, r]));
  assert.deepEqual(
    [...rules.keys()],
    ["basic-auth-offered", "hsts-missing", "not-acceptable", "stack-trace-exposed", "tls-versions"],
  );
  const basic = rules.get("basic-auth-offered");
  assert.equal(basic?.shortDescription?.text, "HTTP Basic authentication is offered");
  assert.equal(basic?.help?.text, `AUTH-01: ${catalog.item("AUTH-01").remediation}`);
  assert.equal(basic?.properties?.["security-severity"], "8.0");
  assert.deepEqual(basic?.properties?.tags, [
    "security",
    "AUTH-01",
    "API2:2023",
    "CWE-522",
    "CWE-287",
  ]);
  assert.equal(rules.get("stack-trace-exposed")?.properties?.["security-severity"], "5.5");
  assert.equal(rules.get("hsts-missing")?.properties?.["security-severity"], "0.0");
  // A check that ran clean is still listed, so code scanning knows it was looked at.
  assert.equal(rules.get("not-acceptable")?.shortDescription?.text, "Rampart check not-acceptable");
});

test("sarif: results carry level, message, the URL and a logical method + path for scan findings", () => {
  const log = sarif(scanReport());
  const results = log.runs[0]?.results ?? [];
  assert.deepEqual(
    results.map((r) => [r.ruleId, r.level]),
    [
      ["basic-auth-offered", "error"],
      ["stack-trace-exposed", "warning"],
      ["hsts-missing", "note"],
    ],
  );
  const rules = log.runs[0]?.tool.driver.rules ?? [];
  for (const r of results) assert.equal(rules[r.ruleIndex ?? -1]?.id, r.ruleId);
  const trace = results[1];
  assert.equal(
    trace?.message.text,
    "A stack trace is returned on malformed input. The error body contains a Node.js stack trace.",
  );
  const loc = trace?.locations?.[0];
  assert.equal(
    loc?.physicalLocation?.artifactLocation?.uri,
    "http://127.0.0.1:4010/api/orders?api_key=%5BREDACTED%5D",
  );
  assert.equal(loc?.logicalLocations?.[0]?.name, "POST /api/orders?api_key=%5BREDACTED%5D");
  assert.doesNotMatch(JSON.stringify(log), /s3cr3tvalue|YWxpY2U6c2VjcmV0/);
  const notes = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];
  assert.deepEqual(
    notes.map((n) => [n.descriptor?.id, n.message.text]),
    [["tls-versions", "check tls-versions failed to run: handshake timed out"]],
  );
});

test("sarif: audit findings point at the file relative to the base dir, with line and column", () => {
  const results = sarif(auditReport(), { sarifBaseDir: "/repo" }).runs[0]?.results ?? [];
  const basic = results.find((r) => r.ruleId === "basic-scheme");
  assert.deepEqual(basic?.locations?.[0]?.physicalLocation, {
    artifactLocation: { uri: "api/openapi.yaml", uriBaseId: "%SRCROOT%" },
    region: { startLine: 12, startColumn: 5 },
  });
  assert.equal(
    basic?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName,
    "/components/securitySchemes/basic",
  );
  // Outside the base dir (or without one) an absolute file stays absolute, as a file: URI.
  const outside = sarif(auditReport(), { sarifBaseDir: "/elsewhere" }).runs[0]?.results ?? [];
  assert.deepEqual(outside[0]?.locations?.[0]?.physicalLocation?.artifactLocation, {
    uri: "file:///repo/api/openapi.yaml",
  });
});

test("sarif: partial fingerprints are stable across runs and distinct per finding", () => {
  const fingerprints = (log: Sarif.Log) =>
    (log.runs[0]?.results ?? []).map((r) => r.partialFingerprints?.["rampartFinding/v2"]);
  const first = fingerprints(sarif(auditReport(5)));
  const second = fingerprints(sarif(auditReport(5)));
  assert.deepEqual(first, second);
  assert.equal(new Set(first).size, first.length);
  for (const fp of first) assert.match(fp ?? "", /^[0-9a-f]{32}$/);
});

test("sarif: a clean report has rules but no results", () => {
  const run = sarif(cleanReport()).runs[0];
  assert.deepEqual(run?.results, []);
  assert.deepEqual(
    run?.tool.driver.rules?.map((r) => r.id),
    ["hsts-missing"],
  );
});
