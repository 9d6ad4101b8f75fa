import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { atLeast } from "../../src/core/severity.js";
import { demoPool, login, startDemo } from "../helpers/demo-client.js";
import { findingsOf, scanDemo, verdictOf } from "./scan-helpers.js";

const demo = demoPool();
/** Flaws that do not mask one another, in one demo (starting a demo costs more than a scan). */
const SEPARATE_FLAWS = "method-override,errors-as-200,api-key-in-query,insecure-cookie,no-415";

describe("checks against flaws that do not mask each other (plain HTTP demo)", () => {
  test("method-override without any-method: POST + X-HTTP-Method-Override acts as the named method", async () => {
    const report = await scanDemo(await demo(SEPARATE_FLAWS));
    const [finding] = findingsOf(report, "in-01-method-override");
    assert.ok(finding, JSON.stringify(report.checks.find((c) => c.id === "in-01-method-override")));
    assert.match(finding.title, /x-http-method-override honoured/);
    assert.match(finding.evidence.note ?? "", /POST: 405/);
    assert.deepEqual(findingsOf(report, "in-01-methods"), []);
    assert.equal(verdictOf(report, "IN-01").verdict, "fail");
  });

  test("any-method: PATCH on a GET-only path is answered, and TRACE echoes", async () => {
    const report = await scanDemo(await demo("any-method"));
    const titles = findingsOf(report, "in-01-methods").map((f) => f.title);
    assert.ok(
      titles.some((t) => /PATCH answered on a path/.test(t)),
      titles.join(" | "),
    );
    assert.ok(titles.includes("TRACE enabled"));
  });

  test("a safe scan of the flawed demo leaves its test account able to log in (any-method once disabled it)", async () => {
    const api = await startDemo("all");
    try {
      await scanDemo(api);
      // A write-only path (POST /admin/users/{id}/disable) was asked GET with alice's own id, and
      // a server that runs it on any method disabled her: write-only paths get a random id.
      assert.equal(typeof (await login(api, "alice")), "string");
    } finally {
      await api.close();
    }
  });

  test("errors-as-200: a made-up path answered 200 with an error body", async () => {
    const report = await scanDemo(await demo(SEPARATE_FLAWS));
    const titles = findingsOf(report, "out-07-status-codes").map((f) => f.title);
    assert.deepEqual(titles, ["Error answered with 200"]);
    // A disguised 404 is not a catch-all: the status checks still ran.
    assert.equal(report.checks.find((c) => c.id === "in-02-not-acceptable")?.status, "ran");
  });

  test("api-key-in-query: the bearer token is accepted as ?access_token=", async () => {
    const report = await scanDemo(await demo(SEPARATE_FLAWS));
    const titles = findingsOf(report, "in-05-credentials-in-url").map((f) => f.title);
    assert.ok(
      titles.some((t) => /accepted in the query string/.test(t)),
      titles.join(" | "),
    );
    assert.doesNotMatch(JSON.stringify(report.findings), /access_token=eyJ/);
  });

  test("regression: a document declaring a query API key no longer fails IN-05 for a live API that refuses it", async () => {
    const api = await demo("none");
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> };
    };
    doc.components.securitySchemes.queryKey = { type: "apiKey", in: "query", name: "api_key" };
    const file = join(mkdtempSync(join(tmpdir(), "rampart-in05-")), "openapi.json");
    writeFileSync(file, JSON.stringify(doc));
    const report = await scanDemo(api, { openapi: file });
    const [declared] = findingsOf(report, "in-05-credentials-in-url");
    assert.equal(declared?.title, "API key declared as a query parameter");
    assert.equal(declared?.severity, "info");
    assert.match(
      declared?.detail ?? "",
      /The live API refuses credentials in the query string \(\?access_token= answered 400, \?api_key= answered 400\)/,
    );
    // A warning that the document is out of step with the API, not a failure of the API.
    assert.equal(verdictOf(report, "IN-05").verdict, "warn");
  });

  test("plain HTTP hardened target on loopback: nothing at low or above, ACC-02 warns with the reason", async () => {
    const report = await scanDemo(await demo("none"));
    const loud = report.findings.filter((f) => atLeast(f.severity, "low"));
    assert.deepEqual(
      loud.map((f) => `${f.checkId}: ${f.title}`),
      [],
    );
    const [plain] = findingsOf(report, "acc-02-plain-http");
    assert.equal(plain?.title, "The API is served over plain HTTP only");
    assert.equal(plain?.severity, "info");
    assert.match(plain?.detail ?? "", /the target is loopback/);
    assert.equal(verdictOf(report, "ACC-02").verdict, "warn");
    const hsts = verdictOf(report, "ACC-03");
    assert.equal(hsts.verdict, "not_applicable");
    assert.match(hsts.reason ?? "", /plain HTTP/);
  });

  test("without credentials, EXT-03 is not tested and says why", async () => {
    const api = await demo("none");
    const report = await scanDemo(api, { login: undefined });
    const { verdict, reason } = verdictOf(report, "EXT-03");
    assert.equal(verdict, "not_tested");
    assert.match(reason ?? "", /credentials/);
  });
});
