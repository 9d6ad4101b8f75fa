import assert from "node:assert/strict";
import { test } from "node:test";
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

test("html: summary counts by verdict and every item in its section with a verdict badge", () => {
  const report = scanReport();
  const page = html(report);
  assert.match(page, /<span class="badge v-fail">fail<\/span> <strong>2<\/strong>/);
  assert.match(page, /<span class="badge v-warn">warn<\/span> <strong>1<\/strong>/);
  assert.match(page, /<span class="badge v-pass">pass<\/span> <strong>1<\/strong>/);
  for (const section of catalog.sections)
    assert.ok(page.includes(`<h2>${section.title.replace("&", "&amp;")}</h2>`), section.title);
  const items = page.match(/<details class="item v-[a-z_]+" id="[A-Z]+-\d\d"/g) ?? [];
  assert.equal(items.length, catalog.items.length);
  // Failed and warned items are open (and print open); the rest fold.
  assert.match(page, /<details class="item v-fail" id="AUTH-01" open>/);
  assert.match(page, /<details class="item v-warn" id="ACC-03" open>/);
  assert.match(page, /<details class="item v-pass" id="IN-02"><summary>/);
  assert.match(
    page,
    /<details class="item v-not_tested" id="ACC-01">.*the full profile is needed \(burst test\)/,
  );
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
