import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { oauthFlowsCheck } from "../../src/scan/checks/oauth/flows.js";
import { redirectTricks, redirectUriCheck } from "../../src/scan/checks/oauth/redirect-uri.js";
import { oauthScopesCheck } from "../../src/scan/checks/oauth/scopes.js";
import { oauthStateCheck } from "../../src/scan/checks/oauth/state.js";
import { runScan } from "../../src/scan/engine.js";
import { demoPool } from "../helpers/demo-client.js";
import { DEMO_SCAN_CONFIG, findingsOf, runOf, scanWith } from "./access-helpers.js";
import { countingServer } from "./scan-helpers.js";

const CHECKS = [redirectUriCheck, oauthFlowsCheck, oauthStateCheck, oauthScopesCheck];
const FLAWED = "open-redirect-uri,implicit-flow,pkce-optional,state-optional,scopes-not-validated";
const demo = demoPool();
const titles = (report: Report, check: string) =>
  findingsOf(report, check)
    .map((f) => f.title)
    .sort();

describe("OAuth (OAUTH-01..04) against the flawed demo", () => {
  let report: Report;
  before(async () => {
    report = await scanWith(await demo(FLAWED), CHECKS);
  });

  test("redirect_uri tricks are accepted (open-redirect-uri), the Location as evidence", () => {
    const found = titles(report, "oauth-01-redirect-uri");
    for (const trick of [
      "foreign host",
      "sub-domain",
      "host suffix",
      "userinfo",
      "extra parameter",
    ])
      assert.ok(found.includes(`redirect_uri trick accepted: ${trick}`), `${trick}: ${found}`);
    const foreign = findingsOf(report, "oauth-01-redirect-uri").find((f) =>
      f.title.endsWith("foreign host"),
    );
    assert.equal(foreign?.evidence.status, 302);
    assert.match(
      foreign?.evidence.headers?.location ?? "",
      /^https:\/\/rampart-evil\.test\/callback\?code=\[REDACTED\]/,
    );
  });

  test("the implicit grant and codes without PKCE are found (implicit-flow, pkce-optional)", () => {
    assert.deepEqual(titles(report, "oauth-02-flows"), [
      "Authorization code issued without PKCE",
      "Implicit grant accepted (response_type=token)",
    ]);
    const implicit = findingsOf(report, "oauth-02-flows").find((f) =>
      f.title.startsWith("Implicit"),
    );
    assert.match(implicit?.evidence.headers?.location ?? "", /#access_token=\[REDACTED\]/);
  });

  test("an authorization request without state is accepted (state-optional)", () => {
    assert.deepEqual(titles(report, "oauth-03-state"), [
      "Authorization request without state accepted",
    ]);
  });

  test("elevated and unknown scopes are granted, no default scope (scopes-not-validated)", () => {
    assert.deepEqual(titles(report, "oauth-04-scopes"), [
      "Elevated scope granted: admin",
      "No default scope: a request without scope gets an empty grant",
      "Unknown scope granted",
    ]);
    assert.ok(
      findingsOf(report, "oauth-04-scopes").every((f) =>
        /token endpoint answered 200/.test(f.evidence.note ?? ""),
      ),
    );
  });

  test("no code or token reaches the report", () => {
    assert.doesNotMatch(JSON.stringify(report), /(code|access_token)=(?!\[REDACTED\])[\w-]{8,}/);
  });
});

describe("OAuth against the hardened demo", () => {
  test("every OAuth check runs and finds nothing", async () => {
    const report = await scanWith(await demo("none"), CHECKS);
    for (const check of CHECKS) assert.equal(runOf(report, check.id).status, "ran", check.id);
    assert.deepEqual(report.findings, []);
  });

  test("without scan.oauth the checks are not tested and say why", async () => {
    const report = await scanWith(await demo("none"), CHECKS, { config: {} });
    for (const check of CHECKS) {
      assert.equal(runOf(report, check.id).status, "not_tested");
      assert.match(runOf(report, check.id).reason ?? "", /scan\.oauth/);
    }
  });
});

describe("OAuth against a server that shows a login page", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  before(async () => {
    server = await countingServer((req, res) => {
      if (req.url === "/.well-known/oauth-authorization-server") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ issuer: "x", authorization_endpoint: "/authorize" }));
      } else if (req.url?.startsWith("/authorize")) {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html><form action=/login><input name=password></form></html>");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  after(() => server.close());

  test("needs interaction: not tested, never a finding", async () => {
    const report = await runScan(
      { target: server.url, config: DEMO_SCAN_CONFIG },
      { catalog: loadCatalog(), checks: CHECKS },
    );
    assert.deepEqual(report.findings, []);
    for (const check of CHECKS)
      assert.match(runOf(report, check.id).reason ?? "", /needs interaction/);
  });
});

test("redirect tricks keep the registered URI's scheme and path", () => {
  const tricks = redirectTricks("https://client.demo.test/callback");
  assert.ok(tricks.some((t) => t.uri === "https://client.demo.test.rampart-evil.test/callback"));
  assert.ok(tricks.some((t) => t.uri === "https://client.demo.test@rampart-evil.test/callback"));
  assert.ok(tricks.every((t) => t.uri !== "https://client.demo.test/callback"));
});
