import assert from "node:assert/strict";
import { test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { formatReport } from "../../src/report/index.js";
import { fixture, runCli } from "../helpers/cli.js";
import { auditReport, catalog, scanReport } from "./reports.js";

function github(report: Report, sarifBaseDir?: string): string[] {
  const out = formatReport(report, "github", {
    catalog,
    ...(sarifBaseDir ? { sarifBaseDir } : {}),
  });
  assert.ok(out.endsWith("\n"));
  return out.trimEnd().split("\n");
}

test("github: audit findings annotate their file, line and column; the severity picks error, warning or notice", () => {
  const lines = github(auditReport(1), "/repo");
  assert.equal(lines.length, 3);
  assert.equal(
    lines[0],
    "::error file=api/openapi.yaml,line=12,col=5,title=Basic authentication scheme declared [basic-scheme AUTH-01]::securitySchemes.basic uses scheme basic.%0Aat /repo/api/openapi.yaml:12:5 /components/securitySchemes/basic",
  );
  assert.match(
    lines[1] ?? "",
    /^::notice file=api\/openapi\.yaml,line=40,col=9,title=String without maxLength \[unbounded-string IN-04\]::/,
  );
  assert.match(
    lines[2] ?? "",
    /^::notice title=Rampart audit::\/repo\/api\/openapi\.yaml: grade [A-F+]+ \(\d+\/100\), 2 findings$/,
  );
});

test("github: scan findings are job-level annotations with the operation in the message, secrets redacted", () => {
  const lines = github(scanReport());
  assert.deepEqual(
    lines.map((l) => l.slice(0, l.indexOf(" "))),
    ["::error", "::warning", "::notice", "::notice"],
  );
  for (const line of lines) assert.doesNotMatch(line, /file=/);
  assert.match(
    lines[1] ?? "",
    /at POST http%3A|at POST http:\/\/127\.0\.0\.1:4010\/api\/orders\?api_key=\[REDACTED\]/,
  );
  assert.doesNotMatch(lines.join("\n"), /s3cr3tvalue|YWxpY2U6c2VjcmV0/);
});

test("github: what a server said cannot start a workflow command: newlines, percent signs and colons are escaped", () => {
  const base = scanReport();
  const hostile = "boom\n::set-output name=x::pwned\r\n100% : , done";
  const report: Report = {
    ...base,
    findings: base.findings.map((f) => ({ ...f, title: hostile, detail: hostile })),
  };
  const lines = github(report);
  assert.equal(lines.length, base.findings.length + 1, "one line per finding, whatever it holds");
  for (const line of lines) assert.match(line, /^::(error|warning|notice) /);
  assert.match(
    lines[0] ?? "",
    /title=boom%0A%3A%3Aset-output name=x%3A%3Apwned\\x0d%0A100%25 %3A %2C done/,
  );
  assert.match(lines[0] ?? "", /::boom%0A::set-output name=x::pwned\\x0d%0A100%25 : , done%0A/);
});

test("github: compared with a baseline, only new findings are annotated", () => {
  const base = scanReport();
  const [first, ...rest] = base.findings;
  const report: Report = {
    ...base,
    findings: [
      ...(first ? [{ ...first, baseline: "new" as const }] : []),
      ...rest.map((f) => ({ ...f, baseline: "unchanged" as const })),
    ],
    baseline: { file: "last.json", new: 1, unchanged: rest.length, fixed: [] },
  };
  const lines = github(report);
  assert.equal(lines.length, 2);
  assert.match(lines[1] ?? "", /baseline last\.json: 1 new, 2 unchanged, 0 fixed$/);
});

test("audit --format github: annotations on stdout, the exit code unchanged", async () => {
  const { code, stdout } = await runCli([
    "audit",
    fixture("openapi/baseline/before.yaml"),
    "--format",
    "github",
    "--sarif-base-dir",
    fixture(""),
  ]);
  assert.equal(code, 1);
  assert.match(stdout, /^::error file=openapi\/baseline\/before\.yaml,line=\d+,col=\d+,title=/m);
  assert.match(stdout, /^::warning file=openapi\/baseline\/before\.yaml,line=\d+/m);
});
