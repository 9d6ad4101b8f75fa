import assert from "node:assert/strict";
import { test } from "node:test";
import type { ItemId } from "../../src/catalog/ids.js";
import type { Finding } from "../../src/core/finding.js";
import type { Report } from "../../src/core/report.js";
import { formatHtmlComparison, formatReport } from "../../src/report/index.js";
import { auditReport, catalog, cleanReport, scanReport } from "./reports.js";

function html(report: Report): string {
  return formatReport(report, "html", { catalog });
}

/** Everything a browser would fetch or run: external URLs in src/href, stylesheets, scripts. */
function assertOffline(page: string): void {
  assert.doesNotMatch(
    page,
    /\s(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i,
  );
  assert.doesNotMatch(page, /<link\b/i);
  assert.doesNotMatch(page, /<script\b/i);
  assert.doesNotMatch(page, /@import|url\(/i);
  assert.doesNotMatch(page, /<(?:img|iframe|object|embed)\b/i);
}

test("html: one self-contained page with the target, date, duration, requests, grade and score", () => {
  const page = html(scanReport());
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<title>Rampart scan report: http:\/\/127\.0\.0\.1:4010<\/title>/);
  assert.match(page, /<div class="grade big g-c" title="grade">C<\/div>/);
  assert.match(page, /<dt>Target<\/dt><dd>http:\/\/127\.0\.0\.1:4010<\/dd>/);
  assert.match(page, /<dt>Started<\/dt><dd>2026-11-28T05:00:00\.000Z<\/dd>/);
  assert.match(page, /<dt>Duration<\/dt><dd>4\.2 s<\/dd>/);
  assert.match(page, /<dt>Requests<\/dt><dd>312<\/dd>/);
  assert.match(page, /<dt>Score<\/dt><dd>75\/100<\/dd>/);
  assert.match(page, /<style>[\s\S]*\.sev-high\{background:var\(--high\)\}/);
  assertOffline(page);
});

test("html: summary counts findings by severity and items by verdict; tested items in their sections", () => {
  const report = scanReport();
  const page = html(report);
  const summary = page.slice(
    page.indexOf('<section class="summary">'),
    page.indexOf("</section>", page.indexOf('<section class="summary">')),
  );
  assert.match(summary, /<th>Findings by severity<\/th><th>3<\/th>/);
  assert.match(summary, /<span class="sev sev-high">high<\/span><\/td><td class="n">1<\/td>/);
  assert.match(summary, /<span class="sev sev-medium">medium<\/span><\/td><td class="n">1<\/td>/);
  assert.match(
    summary,
    /<span class="sev sev-critical">critical<\/span><\/td><td class="n">0<\/td>/,
  );
  assert.match(summary, /<span class="badge v-fail">fail<\/span><\/td><td class="n">2<\/td>/);
  assert.match(summary, /<span class="badge v-warn">warn<\/span><\/td><td class="n">1<\/td>/);
  assert.match(summary, /<span class="badge v-pass">pass<\/span><\/td><td class="n">1<\/td>/);
  const tested = new Set(
    report.items.filter((i) => i.verdict !== "not_tested").map((i) => catalog.item(i.id).section),
  );
  for (const section of catalog.sections)
    assert.equal(
      page.includes(`<h2>${section.title.replace("&", "&amp;")}</h2>`),
      tested.has(section.id),
      section.title,
    );
  const untested = report.items.filter((i) => i.verdict === "not_tested").length;
  const items = page.match(/<details class="item v-[a-z_]+" id="[A-Z]+-\d\d"/g) ?? [];
  assert.equal(items.length, catalog.items.length - untested);
  // Failed and warned items are open (and print open); the rest fold.
  assert.match(
    page,
    /<details class="item v-fail" id="AUTH-01" data-items="AUTH-01" data-verdict="fail" open>/,
  );
  assert.match(page, /<details class="item v-warn" id="ACC-03" [^>]* open>/);
  assert.match(page, /<details class="item v-pass" id="IN-02" [^>]*"><summary>/);
});

test("html: items not tested have a section of their own, with the reason, after the tested ones", () => {
  const page = html(scanReport());
  assert.doesNotMatch(page, /<details class="item v-not_tested"/);
  const at = page.indexOf('<section class="section untested"><h2>Not tested (');
  assert.ok(at > page.lastIndexOf('<details class="item'), "after every tested item");
  assert.match(
    page.slice(at),
    /<li id="ACC-01" data-items="ACC-01" data-verdict="not_tested"><code>ACC-01<\/code> [^<]+: <span class="reason">the full profile is needed \(burst test\)<\/span><\/li>/,
  );
});

test("html: an index lists every finding worst first, linking to its evidence", () => {
  const page = html(scanReport());
  const index = page.slice(
    page.indexOf('<section class="index">'),
    page.indexOf("</section>", page.indexOf('<section class="index">')),
  );
  assert.match(index, /<h2>Findings \(3\)<\/h2>/);
  const rows = index.match(/<tr class="f-[a-z]+"/g) ?? [];
  assert.deepEqual(rows, ['<tr class="f-high"', '<tr class="f-medium"', '<tr class="f-info"']);
  assert.match(
    index,
    /<tr class="f-high" data-items="AUTH-01" data-verdict="fail"><td>.*<a href="#f1">HTTP Basic authentication is offered<\/a>/,
  );
  assert.match(page, /<div class="finding f-high" id="f1"><h4>/);
  assert.match(html(cleanReport()), /<h2>Findings<\/h2><p>No findings\.<\/p>/);
});

test("html: filters by severity, verdict and item, as form controls without script", () => {
  const page = html(scanReport());
  const form = page.slice(page.indexOf('<form class="filters"'), page.indexOf("</form>"));
  // Only the severities and verdicts present are offered; every item of the report is.
  assert.match(form, /<input type="checkbox" class="fs-high" checked>/);
  assert.doesNotMatch(form, /fs-critical/);
  assert.match(form, /<input type="checkbox" class="fv-not_tested" checked>/);
  assert.match(
    form,
    /<select class="fi"><option value="" selected>all items<\/option><option value="AUTH-01">/,
  );
  // The rules that do the filtering, scoped to one report.
  assert.match(page, /\.rep:has\(\.fs-high:not\(:checked\)\) \.f-high/);
  assert.match(
    page,
    /\.rep:has\(\.fi option\[value="AUTH-01"\]:checked\) \[data-items\]:not\(\[data-items~="AUTH-01"\]\)/,
  );
  assertOffline(page);
});

test("html: remediation and references once per check, a finding in full once (a check on two items)", () => {
  const base = scanReport();
  const second = {
    ...(base.findings.find((f) => f.checkId === "basic-auth-offered") as Finding),
    id: "basic-auth-offered:GET /api/admin",
    items: ["AUTH-01", "AUTH-02"] as ItemId[],
    title: "HTTP Basic authentication is offered on the admin API",
  };
  const report: Report = {
    ...base,
    findings: [...base.findings, second],
    items: base.items.map((i) =>
      i.id === "AUTH-01" || i.id === "AUTH-02"
        ? { ...i, verdict: "fail", findings: [...i.findings, second.id] }
        : i,
    ),
  };
  const page = html(report);
  assert.equal(page.split("Stop offering Basic.").length - 1, 1, "the check's fix once");
  assert.equal(
    page.split("CWE-522, API2:2023").length + page.split("API2:2023, CWE-522").length - 2,
    2,
    "references: the check's once, AUTH-01's own once",
  );
  assert.equal(
    page.split('<div class="finding f-high" id=').length - 1,
    2,
    "each finding in full once",
  );
  const auth2 = page.slice(
    page.indexOf('id="AUTH-02"'),
    page.indexOf("</details>", page.indexOf('id="AUTH-02"')),
  );
  assert.match(auth2, /on the admin API: <a href="#f\d">shown above<\/a>/);
  assert.match(auth2, /Fix and references: <a href="#fix-1">above<\/a>/);
});

test("html: a finding shows its evidence, remediation and references as text", () => {
  const page = html(scanReport());
  const auth = page.slice(
    page.indexOf('id="AUTH-01"'),
    page.indexOf("</details>", page.indexOf('id="AUTH-01"')),
  );
  assert.match(
    auth,
    /<span class="sev sev-high">high<\/span> HTTP Basic authentication is offered/,
  );
  assert.match(auth, /<dt>Request<\/dt><dd><code>GET \/api\/me HTTP\/1\.1<\/code><\/dd>/);
  assert.match(auth, /<dt>Status<\/dt><dd>401<\/dd>/);
  assert.match(auth, /<tr><td>authorization<\/td><td>Basic \[REDACTED\]<\/td><\/tr>/);
  assert.match(auth, /<pre class="excerpt">\{&quot;error&quot;:&quot;unauthorized&quot;\}<\/pre>/);
  assert.match(auth, /<h4>Remediation<\/h4><p>Issue short-lived, scoped bearer tokens/);
  assert.match(auth, /References: API2:2023, CWE-522, CWE-287, RFC 7617, RFC 6750/);
  assert.doesNotMatch(page, /YWxpY2U6c2VjcmV0|s3cr3tvalue/);
});

test("html: a <script> in evidence, titles or the target comes out inert", () => {
  const base = scanReport();
  const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;
  const report: Report = {
    ...base,
    target: `http://127.0.0.1:1/${evil}`,
    findings: base.findings.map((f) => ({
      ...f,
      title: evil,
      detail: evil,
      evidence: { ...f.evidence, body: evil, note: evil, headers: { "x-evil": evil } },
    })),
  };
  const page = html(report);
  assert.doesNotMatch(page, /<script|<img|onerror=alert\(2\)>/i);
  assert.match(
    page,
    /&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt;&quot;&#39;/,
  );
  assertOffline(page);
});

test("html: a clean report and an audit report render, the audit with file:line:column locations", () => {
  const clean = html(cleanReport());
  assert.match(clean, /<div class="grade big g-aplus" title="grade">A\+<\/div>/);
  assert.doesNotMatch(clean, /class="finding/);
  assertOffline(clean);
  const audit = html(auditReport());
  assert.match(
    audit,
    /<code>\/repo\/api\/openapi\.yaml:12:5 \/components\/securitySchemes\/basic<\/code>/,
  );
  assert.doesNotMatch(audit, /<dt>Requests<\/dt>/);
});

test("html comparison: grades side by side, verdicts per item per report, each report in full", () => {
  const page = formatHtmlComparison(
    [
      { label: "flawed", report: scanReport() },
      { label: "hardened", report: cleanReport() },
    ],
    { catalog },
  );
  assert.match(page, /<h1>Rampart: flawed vs hardened<\/h1>/);
  assert.match(
    page,
    /<span class="label">flawed<\/span><span class="grade g-c">C<\/span><span class="score">75\/100<\/span>/,
  );
  assert.match(
    page,
    /<span class="label">hardened<\/span><span class="grade g-aplus">A\+<\/span><span class="score">100\/100<\/span>/,
  );
  assert.match(page, /<th>Item<\/th><th>Title<\/th><th>flawed<\/th><th>hardened<\/th>/);
  assert.match(
    page,
    /<tr><td><code>AUTH-01<\/code><\/td><td>[^<]+<\/td><td><span class="badge v-fail">fail<\/span><\/td><td><span class="badge v-pass">pass<\/span><\/td><\/tr>/,
  );
  assert.ok(
    page.includes('id="r0-AUTH-01"') && page.includes('id="r1-AUTH-01"'),
    "ids unique per report",
  );
  assertOffline(page);
  assert.throws(() => formatHtmlComparison([], { catalog }), TypeError);
});
