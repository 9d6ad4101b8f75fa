import assert from "node:assert/strict";
import { test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { formatReport } from "../../src/report/index.js";
import { MARKDOWN_FINDINGS_PER_ITEM } from "../../src/report/markdown.js";
import { auditReport, catalog, cleanReport, scanReport } from "./reports.js";

function md(report: Report): string {
  return formatReport(report, "markdown", { catalog });
}

test("markdown: heading with grade and score, a table of failed items, one folded block per item", () => {
  const out = md(scanReport());
  assert.match(out, /^## Rampart scan: grade C \(75\/100\)\n/);
  assert.match(out, /`http:\/\/127\.0\.0\.1:4010` · 4\.2 s · 312 requests/);
  assert.match(out, /\| Item \| Title \| Worst \| Findings \|\n\| --- \| --- \| --- \| ---: \|\n/);
  assert.match(
    out,
    /\| AUTH-01 \| No HTTP Basic authentication; use a token scheme \| high \| 1 \|/,
  );
  assert.match(out, /\| PROC-08 \| Debug mode off in production \| medium \| 1 \|/);
  assert.doesNotMatch(out, /\| ACC-03 \|/); // warned, not failed: folded below, not in the table
  assert.equal(out.match(/<details>/g)?.length, 3);
  assert.equal(out.match(/<\/details>/g)?.length, 3);
  assert.match(
    out,
    /<summary><b>AUTH-01<\/b> No HTTP Basic authentication; use a token scheme \(fail, 1 finding\)<\/summary>\n\n- \*\*high\*\* HTTP Basic authentication is offered: `GET http:\/\/127\.0\.0\.1:4010\/api\/me` \(`basic-auth-offered`\)\n {2}`GET \/api\/me HTTP\/1\.1` · status 401/,
  );
  assert.match(out, /\*\*Fix:\*\* Issue short-lived, scoped bearer tokens/);
  assert.match(
    out,
    /\*\*Not tested \(41\):\*\* no check ran: AUTH-02, .*; the full profile is needed \(burst test\): ACC-01\n$/,
  );
  assert.doesNotMatch(out, /s3cr3tvalue/);
});

test("markdown: findings per item are capped with 'and N more'", () => {
  const out = md(auditReport(25));
  const block = out.slice(out.indexOf("<b>IN-04</b>"));
  const listed = block.slice(0, block.indexOf("</details>")).match(/^- \*\*low\*\*/gm) ?? [];
  assert.equal(listed.length, MARKDOWN_FINDINGS_PER_ITEM);
  assert.match(block, /^- … and 15 more$/m);
  assert.match(out, /\| IN-04 \| Validate input against injection attacks \| low \| 25 \|/);
  assert.match(
    out,
    /`\/repo\/api\/openapi\.yaml:40:9 \/components\/schemas\/User\/properties\/f0`/,
  );
  assert.ok(out.length < 8000, `short enough for a PR comment (${out.length} chars)`);
});

test("markdown: a clean report says so in two lines", () => {
  const out = md(cleanReport());
  assert.match(out, /^## Rampart scan: grade A\+ \(100\/100\)\n/);
  assert.match(out, /No checklist item failed\.\n$/);
  assert.doesNotMatch(out, /<details>|\| Item \|/);
});

test("markdown: HTML, pipes and backticks from findings cannot break the comment", () => {
  const base = scanReport();
  const report: Report = {
    ...base,
    findings: base.findings.map((f) => ({
      ...f,
      title: "</details><script>x</script> a|b `c`",
      location: { kind: "http" as const, url: "http://127.0.0.1:1/`x`", method: "GET" },
    })),
  };
  const out = md(report);
  assert.doesNotMatch(out, /<script>|<\/details><script/);
  assert.match(out, /&lt;\/details&gt;&lt;script&gt;x&lt;\/script&gt; a\\\|b \\`c\\`/);
  assert.match(out, /``GET http:\/\/127\.0\.0\.1:1\/`x` ``|`` GET http:\/\/127\.0\.0\.1:1\/`x` ``/);
  assert.equal(out.match(/<details>/g)?.length, out.match(/<\/details>/g)?.length);
});

test("markdown: a report with many failing items stays under GitHub's comment limit", () => {
  const base = auditReport(1);
  const template = base.findings[0];
  assert.ok(template);
  const findings = catalog.items.flatMap((item) =>
    Array.from({ length: 12 }, (_, n) => ({
      ...template,
      id: `${item.id}-${n}`,
      items: [item.id],
      title: `A long finding title ${"x".repeat(200)}`,
      evidence: { request: `GET /${"y".repeat(300)} HTTP/1.1`, note: "z".repeat(300) },
    })),
  );
  const report: Report = {
    ...base,
    findings,
    items: catalog.items.map((item) => ({
      id: item.id,
      verdict: "fail" as const,
      findings: findings.filter((f) => f.items.includes(item.id)).map((f) => f.id),
    })),
  };
  const out = md(report);
  assert.ok(out.length < 65_536, `${out.length} chars`);
  assert.match(out, /^… and \d+ more items: see the full report\.$/m);
  assert.equal(out.match(/<details>/g)?.length, out.match(/<\/details>/g)?.length);
});
