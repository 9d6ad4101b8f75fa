import assert from "node:assert/strict";
import { test } from "node:test";
import type { Report } from "../../src/core/report.js";
import type { Severity } from "../../src/core/severity.js";
import { formatReport } from "../../src/report/index.js";
import { auditReport, catalog, cleanReport, scanReport } from "./reports.js";
import { all, parseXml } from "./xml.js";

function junit(report: Report, failOn: Severity | "none" = "high") {
  return parseXml(formatReport(report, "junit", { catalog, failOn }));
}

/** Items a command can verify: the others (manual, or for another command) get no test case. */
function testable(kind: "scan" | "audit") {
  return catalog.items.filter((i) => i.capabilities.includes(kind));
}

test("junit: one testsuite per section and one testcase per item the command can verify, named 'ID title'", () => {
  const report = scanReport();
  const root = junit(report);
  assert.equal(root.name, "testsuites");
  const suites = all(root, "testsuite");
  const items = testable("scan");
  assert.deepEqual(
    suites.map((s) => s.attrs.name),
    catalog.sections.filter((s) => items.some((i) => i.section === s.id)).map((s) => s.title),
  );
  const cases = all(root, "testcase");
  assert.deepEqual(
    cases.map((c) => c.attrs.name?.split(" ")[0]),
    items.map((i) => i.id),
  );
  assert.ok(items.length < catalog.items.length);
  assert.equal(root.attrs.tests, String(items.length));
  const auth01 = cases.find((c) => c.attrs.name?.startsWith("AUTH-01 "));
  assert.equal(auth01?.attrs.classname, "Authentication");
  assert.equal(auth01?.attrs.name, `AUTH-01 ${catalog.item("AUTH-01").title}`);
  for (const suite of suites) {
    const own = suite.children.filter((c) => c.name === "testcase");
    assert.equal(suite.attrs.tests, String(own.length));
    assert.equal(
      suite.attrs.failures,
      String(own.filter((c) => c.children.some((x) => x.name === "failure")).length),
    );
    assert.equal(
      suite.attrs.skipped,
      String(own.filter((c) => c.children.some((x) => x.name === "skipped")).length),
    );
  }
});

test("junit: fail is a <failure> with the worst finding as message and redacted evidence in the body", () => {
  const cases = all(junit(scanReport(), "medium"), "testcase");
  const auth01 = cases.find((c) => c.attrs.name?.startsWith("AUTH-01 "));
  const failure = auth01?.children.find((c) => c.name === "failure");
  assert.equal(failure?.attrs.message, "HTTP Basic authentication is offered");
  assert.equal(failure?.attrs.type, "high");
  assert.match(failure?.text ?? "", /> GET \/api\/me HTTP\/1\.1/);
  assert.match(failure?.text ?? "", /< status 401/);
  assert.match(failure?.text ?? "", /authorization: Basic \[REDACTED\]/);
  assert.doesNotMatch(failure?.text ?? "", /YWxpY2U6c2VjcmV0/);
  assert.match(failure?.text ?? "", /Remediation: /);
  const proc08 = cases.find((c) => c.attrs.name?.startsWith("PROC-08 "));
  const body = proc08?.children.find((c) => c.name === "failure")?.text ?? "";
  // The hostile body survives as text, and the API key in the URL does not.
  assert.match(body, /<script>alert\(1\)<\/script>/);
  assert.match(body, /api_key=\[REDACTED\]/);
  assert.doesNotMatch(body, /s3cr3tvalue/);
});

test("junit: warn passes with <system-out>; not tested is skipped with the reason; manual items have no case", () => {
  const cases = all(junit(scanReport()), "testcase");
  const byId = (id: string) => cases.find((c) => c.attrs.name?.startsWith(`${id} `));
  const acc03 = byId("ACC-03");
  assert.deepEqual(
    acc03?.children.map((c) => c.name),
    ["system-out"],
  );
  assert.match(acc03?.children[0]?.text ?? "", /Strict-Transport-Security is not sent/);
  assert.equal(
    byId("ACC-01")?.children.find((c) => c.name === "skipped")?.attrs.message,
    "the full profile is needed (burst test)",
  );
  // Manual, and items only the audit or the guard can verify: no test case at all.
  assert.equal(byId("CI-02"), undefined);
  assert.deepEqual(byId("IN-02")?.children, []); // pass: an empty testcase
});

test("junit: <, &, ]]>, quotes and control characters are escaped into well-formed XML", () => {
  const base = scanReport();
  const hostile = "a < b && c ]]> \"q\" 'a' \u0000\u0007\u001b[31m\ud800 end";
  const report: Report = {
    ...base,
    target: `http://127.0.0.1:1/?q=${hostile}`,
    findings: base.findings.map((f) =>
      f.checkId === "basic-auth-offered"
        ? { ...f, title: hostile, detail: hostile, evidence: { body: hostile, note: hostile } }
        : f,
    ),
  };
  const xml = formatReport(report, "junit", { catalog });
  assert.doesNotMatch(xml, /]]>/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
  assert.doesNotMatch(xml, /[\u0000-\u0008\u001b]/);
  const root = parseXml(xml); // throws on anything malformed
  const failure = all(root, "failure").find((f) => f.attrs.message?.startsWith("a < b"));
  assert.ok(failure, "the hostile title is the failure message");
  assert.match(
    failure.attrs.message ?? "",
    /^a < b && c \]\]> "q" 'a' \\x00\\x07\\x1b\[31m\ufffd end$/,
  );
  assert.match(failure.text, /\| a < b && c \]\]>/);
});

test("junit: a clean report has no failure and an audit report fails on its items", () => {
  const clean = junit(cleanReport());
  assert.equal(all(clean, "failure").length, 0);
  assert.equal(clean.attrs.failures, "0");
  const audit = junit(auditReport(), "low");
  const failures = all(audit, "failure");
  assert.deepEqual(failures.map((f) => f.attrs.message).sort(), [
    "Basic authentication scheme declared",
    "String without maxLength",
  ]);
  assert.match(failures.map((f) => f.text).join("\n"), /at \/repo\/api\/openapi\.yaml:40:9/);
});

test("junit: the XML reader used here rejects what is not well-formed", () => {
  const decl = '<?xml version="1.0" encoding="UTF-8"?>';
  for (const bad of [
    `${decl}<a><b></a></b>`,
    `${decl}<a>x & y</a>`,
    `${decl}<a>x < y</a>`,
    `${decl}<a>]]></a>`,
    `${decl}<a t="1" t="2"/>`,
    `${decl}<a>\u0001</a>`,
    `${decl}<a>&#1;</a>`,
    `${decl}<a/><b/>`,
    "<a/>",
  ]) {
    assert.throws(() => parseXml(bad), Error, bad);
  }
  assert.equal(parseXml(`${decl}<a t="&lt;&#10;">x &amp; y</a>`).attrs.t, "<\n");
});

test("junit: only findings at or above --fail-on fail; the others pass with their findings shown", () => {
  const byId = (root: ReturnType<typeof junit>, id: string) =>
    all(root, "testcase").find((c) => c.attrs.name?.startsWith(`${id} `));
  // PROC-08 fails with a medium finding: a failure at --fail-on medium, a pass at high.
  const medium = junit(scanReport(), "medium");
  assert.equal(byId(medium, "PROC-08")?.children[0]?.name, "failure");
  assert.equal(medium.attrs.failures, "2");
  const high = junit(scanReport(), "high");
  const proc08 = byId(high, "PROC-08");
  assert.deepEqual(
    proc08?.children.map((c) => c.name),
    ["system-out"],
  );
  assert.match(proc08?.children[0]?.text ?? "", /A stack trace is returned on malformed input/);
  assert.equal(high.attrs.failures, "1");
  assert.equal(all(junit(scanReport(), "none"), "failure").length, 0);
});

test("junit: an audit has no case for what only a scan, the guard or a person can verify", () => {
  const root = junit(auditReport(), "low");
  const ids = all(root, "testcase").map((c) => c.attrs.name?.split(" ")[0]);
  assert.deepEqual(
    ids,
    testable("audit").map((i) => i.id),
  );
  assert.ok(!ids.includes("CI-02"));
  assert.ok(!ids.includes("OUT-01"), "security headers are verified by a scan only");
});
