import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import type { Report } from "../../src/core/report.js";
import { atLeast } from "../../src/core/severity.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import { startDemo } from "../helpers/demo-client.js";
import { findingsOf, scanDemo, verdictOf } from "./scan-helpers.js";

/** Every check, the item it fails, and what its finding on the flawed demo says. */
const EXPECTED: readonly { check: string; item: string; title: RegExp }[] = [
  {
    check: "auth-01-basic",
    item: "AUTH-01",
    title: /Basic (authentication offered|credentials accepted)/,
  },
  { check: "acc-02-plain-http", item: "ACC-02", title: /Plain HTTP served without a redirect/ },
  { check: "acc-02-tls", item: "ACC-02", title: /TLS 1\.0 accepted|TLS 1\.1 accepted|Weak cipher/ },
  { check: "acc-03-hsts", item: "ACC-03", title: /Strict-Transport-Security missing/ },
  { check: "acc-04-directory-listing", item: "ACC-04", title: /Directory listing/ },
  { check: "in-01-methods", item: "IN-01", title: /TRACE enabled|answered on a path/ },
  { check: "in-02-not-acceptable", item: "IN-02", title: /instead of 406/ },
  { check: "in-03-unsupported-media-type", item: "IN-03", title: /not refused with 415/ },
  { check: "in-05-credentials-in-url", item: "IN-05", title: /query/ },
  { check: "proc-08-debug", item: "PROC-08", title: /stack trace|Debug endpoint/ },
  { check: "out-01-nosniff", item: "OUT-01", title: /nosniff missing/ },
  { check: "out-02-frame-options", item: "OUT-02", title: /X-Frame-Options/ },
  { check: "out-03-csp", item: "OUT-03", title: /Content-Security-Policy missing/ },
  { check: "out-04-fingerprint", item: "OUT-04", title: /Fingerprinting headers/ },
  { check: "out-05-content-type", item: "OUT-05", title: /JSON body declared as text\/html/ },
  {
    check: "out-07-status-codes",
    item: "OUT-07",
    title: /Error answered with 200|Malformed input answered with 500/,
  },
  {
    check: "ext-01-cors",
    item: "EXT-01",
    title: /CORS (reflects any origin|trusts the null origin)/,
  },
  { check: "ext-02-cookie-flags", item: "EXT-02", title: /Session cookie "sid" without HttpOnly/ },
  { check: "ext-03-cache-control", item: "EXT-03", title: /Authenticated response cacheable/ },
  { check: "ext-04-security-txt", item: "EXT-04", title: /No security.txt/ },
];

describe("scan of the demo API, both ways (HTTPS, logged in, safe profile)", () => {
  let flawedApi: DemoApi;
  let hardenedApi: DemoApi;
  let flawed: Report;
  let hardened: Report;
  let hardenedMs = 0;
  before(async () => {
    [flawedApi, hardenedApi] = await Promise.all([
      startDemo("all", { tlsPort: 0 }),
      startDemo("none", { tlsPort: 0 }),
    ]);
    flawed = await scanDemo(flawedApi);
    const started = performance.now();
    hardened = await scanDemo(hardenedApi);
    hardenedMs = performance.now() - started;
  });
  after(() => Promise.all([flawedApi.close(), hardenedApi.close()]));

  test("every registered check is in this table", () => {
    assert.deepEqual(
      SCAN_CHECKS.map((c) => c.id).sort(),
      [...new Set([...EXPECTED.map((e) => e.check), "in-01-method-override"])].sort(),
    );
  });

  for (const { check, item, title } of EXPECTED) {
    test(`${check}: the flawed demo fails ${item} with evidence`, () => {
      const findings = findingsOf(flawed, check);
      assert.ok(
        findings.length > 0,
        `${check} found nothing: ${JSON.stringify(flawed.checks.find((c) => c.id === check))}`,
      );
      assert.ok(
        findings.some((f) => title.test(f.title)),
        findings.map((f) => f.title).join(" | "),
      );
      for (const f of findings) {
        assert.ok(Object.keys(f.evidence).length > 0, `${f.id} has no evidence`);
        assert.ok(f.items.includes(item as never));
        assert.ok(f.remediation.length > 10);
      }
      assert.equal(verdictOf(flawed, item).verdict, "fail");
    });

    test(`${check}: the hardened demo is silent and ${item} passes`, () => {
      const loud = findingsOf(hardened, check).filter((f) => atLeast(f.severity, "low"));
      assert.deepEqual(
        loud.map((f) => f.title),
        [],
      );
      const { verdict, reason } = verdictOf(hardened, item);
      if (item === "ACC-02") {
        // The demo's certificate is self-signed: an info finding (loopback), hence warn.
        assert.ok(["pass", "warn"].includes(verdict), `${item}: ${verdict} ${reason ?? ""}`);
      } else {
        assert.ok(
          verdict === "pass" || (verdict === "not_applicable" && reason),
          `${item}: ${verdict} ${reason ?? ""}`,
        );
      }
    });
  }

  test("the self-signed certificate on loopback is an info finding that says why", () => {
    const cert = findingsOf(hardened, "acc-02-tls").find((f) => /Self-signed/.test(f.title));
    assert.ok(cert);
    assert.equal(cert.severity, "info");
    assert.match(cert.detail, /loopback/);
  });

  test("the hardened demo: zero findings at low or above, under 10 s and 500 requests", () => {
    assert.deepEqual(
      hardened.findings.filter((f) => atLeast(f.severity, "low")).map((f) => f.title),
      [],
    );
    assert.ok(hardenedMs < 10_000, `${hardenedMs} ms`);
    assert.ok((hardened.requests ?? 0) < 500, `${hardened.requests} requests`);
    assert.ok((flawed.requests ?? 0) < 500, `${flawed.requests} requests`);
    assert.ok(flawed.durationMs < 10_000);
    assert.equal(hardened.checks.filter((c) => c.status === "error").length, 0);
  });

  test("secrets never reach the report: the login password, tokens, the session cookie", () => {
    const text = JSON.stringify(flawed);
    assert.doesNotMatch(text, /alice-demo-pass/);
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    assert.doesNotMatch(text, /sid=(?!\[REDACTED\])[A-Za-z0-9]/);
    assert.doesNotMatch(text, /demo-db-pass/);
  });
});
