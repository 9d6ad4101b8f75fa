import assert from "node:assert/strict";
import { test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { formatReport } from "../../src/report/index.js";
import { auditReport, catalog, cleanReport, scanReport } from "./reports.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes.
const ANSI = /\u001b\[/;

function text(report: Report, color = false): string {
  return formatReport(report, "text", { catalog, color });
}

test("text: header with target, kind, duration, requests, then grade and score", () => {
  const lines = text(scanReport()).split("\n");
  assert.equal(lines[0], "Rampart scan of http://127.0.0.1:4010");
  assert.equal(lines[1], "  started 2026-11-28T05:00:00.000Z · took 4.2 s · 312 requests");
  assert.equal(lines[2], "  Grade C   score 75/100");
});

test("text: failed and warned items by section, each finding with its detail and evidence", () => {
  const out = text(scanReport());
  const auth = out.indexOf("\nAuthentication\n");
  const access = out.indexOf("\nAccess\n");
  const processing = out.indexOf("\nProcessing\n");
  assert.ok(auth > 0 && auth < access && access < processing, "sections in catalog order");
  assert.match(
    out,
    / {2}FAIL AUTH-01 No HTTP Basic authentication; use a token scheme\n {4}HIGH {5}HTTP Basic authentication is offered \[basic-auth-offered\]\n {13}at GET http:\/\/127\.0\.0\.1:4010\/api\/me\n {13}The API answers 401 with WWW-Authenticate: Basic\.\n {13}> GET \/api\/me HTTP\/1\.1\n {13}< status 401\n {13}< authorization: Basic \[REDACTED\]\n/,
  );
  assert.match(
    out,
    / {2}WARN ACC-03 Send HSTS to prevent SSL stripping\n {4}INFO {5}Strict-Transport-Security is not sent/,
  );
  assert.match(out, /at POST http:\/\/127\.0\.0\.1:4010\/api\/orders\?api_key=\[REDACTED\]/);
  assert.match(out, / {13}\| <script>alert\(1\)<\/script>\n {13}\| Error: boom\n/);
  assert.match(out, / {13}note: framework: express\n/);
  assert.doesNotMatch(out, /YWxpY2U6c2VjcmV0|s3cr3tvalue/);
  assert.doesNotMatch(out, /IN-02/); // passed: not listed
});

test("text: not-tested items with reasons, checks that errored, and a one-line tally last", () => {
  const out = text(scanReport());
  assert.match(out, /\nNot tested \(41\)\n/);
  assert.match(
    out,
    / {2}ACC-01 {3}Throttle requests against floods and brute force — the full profile is needed \(burst test\)\n/,
  );
  assert.match(out, /\nChecks that failed to run \(1\)\n {2}tls-versions — handshake timed out\n/);
  assert.ok(
    out.endsWith(
      "\n1 passed, 2 failed, 1 warned, 0 partial, 41 not tested, 4 not applicable, 9 manual\n",
    ),
  );
});

test("text: colours only when asked, severity-coloured; hostile control characters are shown, not sent", () => {
  const plain = text(scanReport());
  assert.doesNotMatch(plain, ANSI);
  const coloured = text(scanReport(), true);
  assert.match(coloured, ANSI);
  assert.ok(coloured.includes("\u001b[31mHIGH"), "high in red");
  assert.ok(coloured.includes("\u001b[33mMEDIUM"), "medium in yellow");
  const base = scanReport();
  const hostile: Report = {
    ...base,
    findings: base.findings.map((f) => ({
      ...f,
      evidence: { body: "before\u001b]0;pwned\u0007\u001b[2Jafter" },
    })),
  };
  const out = text(hostile);
  assert.doesNotMatch(out, ANSI);
  assert.match(out, /\| before\\x1b\]0;pwned\\x07\\x1b\[2Jafter/);
});

test("text: a clean report and an audit report", () => {
  const clean = text(cleanReport());
  assert.match(clean, /Grade A\+ {3}score 100\/100/);
  assert.match(clean, /No item failed or warned\./);
  assert.doesNotMatch(clean, /Not tested/);
  const audit = text(auditReport());
  assert.match(audit.split("\n")[1] ?? "", /^ {2}started .* · took 85 ms$/);
  assert.match(audit, /at \/repo\/api\/openapi\.yaml:12:5 \/components\/securitySchemes\/basic/);
});
