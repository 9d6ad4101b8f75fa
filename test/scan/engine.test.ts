import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runScan } from "../../src/scan/engine.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import type { ScanCheck } from "../../src/scan/types.js";
import { runCli } from "../helpers/cli.js";
import { demoPool, send } from "../helpers/demo-client.js";
import { catalog, catchAll, countingServer, verdictOf } from "./scan-helpers.js";

const demo = demoPool();
/** One demo for the tests below: the flaws they look for. */
const FLAWS = "no-415,insecure-cookie";

describe("scan engine", () => {
  test("a check that throws is reported as an error of that check; the scan goes on", async () => {
    const server = await countingServer(catchAll);
    const broken: ScanCheck = {
      id: "broken-check",
      items: ["OUT-01"],
      proves: ["OUT-01"],
      severity: "low",
      intrusive: false,
      needs: [],
      title: "throws",
      run: async () => {
        throw new Error("boom with Bearer abcdefghijk");
      },
    };
    try {
      const report = await runScan(
        { target: server.url },
        { catalog, checks: [broken, ...SCAN_CHECKS] },
      );
      const run = report.checks.find((c) => c.id === "broken-check");
      assert.equal(run?.status, "error");
      assert.match(run?.reason ?? "", /boom/);
      assert.doesNotMatch(run?.reason ?? "", /abcdefghijk/);
      // OUT-01's own check still ran and decided the item.
      assert.notEqual(verdictOf(report, "OUT-01").verdict, "not_tested");
    } finally {
      await server.close();
    }
  });

  test("regression: a check reading the caller back by name ran while a probe renamed the caller; checks marked to run first run alone, before the others", async () => {
    const server = await countingServer(catchAll);
    let inFlight = 0;
    const seen: string[] = [];
    const make = (id: string, runs?: "first" | "last"): ScanCheck => ({
      id,
      items: ["OUT-01"],
      proves: [],
      severity: "low",
      intrusive: false,
      ...(runs ? { runs } : {}),
      needs: [],
      title: id,
      run: async () => {
        inFlight++;
        seen.push(`${id} starts with ${inFlight - 1} other(s) running`);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return { findings: [], outcome: { status: "not_tested", reason: "test" } };
      },
    });
    try {
      await runScan(
        { target: server.url },
        {
          catalog,
          checks: [
            make("after", "last"),
            make("shared-1"),
            make("alone", "first"),
            make("shared-2"),
          ],
        },
      );
      assert.equal(seen[0], "alone starts with 0 other(s) running");
      assert.deepEqual(seen.slice(1, 3).sort(), [
        "shared-1 starts with 0 other(s) running",
        "shared-2 starts with 1 other(s) running",
      ]);
      assert.equal(seen[3], "after starts with 0 other(s) running");
    } finally {
      await server.close();
    }
  });

  test("intrusive checks are not tested in the safe profile, with the reason", async () => {
    const server = await countingServer(catchAll);
    let ran = false;
    const intrusive: ScanCheck = {
      id: "intrusive-check",
      items: ["ACC-01"],
      proves: ["ACC-01"],
      severity: "medium",
      intrusive: true,
      needs: [],
      title: "bursts",
      run: async () => {
        ran = true;
        return {
          findings: [],
          outcome: { status: "ran", surface: { probed: 1, of: 1, unit: "endpoints" } },
        };
      },
    };
    try {
      const safe = await runScan({ target: server.url }, { catalog, checks: [intrusive] });
      assert.equal(ran, false);
      assert.match(verdictOf(safe, "ACC-01").reason ?? "", /--profile full/);
      const full = await runScan(
        { target: server.url, profile: "full" },
        { catalog, checks: [intrusive] },
      );
      assert.equal(ran, true);
      assert.equal(verdictOf(full, "ACC-01").verdict, "pass");
    } finally {
      await server.close();
    }
  });

  test("redirects to another origin are never followed, and credentials stay in scope", async () => {
    const other = await countingServer(catchAll);
    const target = await countingServer((req, res) => {
      if (req.url === "/") {
        res.writeHead(302, { Location: `${other.url}/landing?next=1` });
        res.end();
      } else catchAll(req, res);
    });
    try {
      await runScan(
        { target: target.url, bearer: "in-scope-token" },
        { catalog, checks: SCAN_CHECKS },
      );
      assert.equal(other.count(), 0);
      assert.ok(target.count() > 10);
    } finally {
      await Promise.all([other.close(), target.close()]);
    }
  });

  test("--openapi FILE: operations come from the given document", async () => {
    const api = await demo(FLAWS);
    const doc = await send(`${api.url}/openapi.json`);
    const dir = mkdtempSync(join(tmpdir(), "rampart-openapi-"));
    writeFileSync(join(dir, "api.json"), doc.body);
    const { code, stdout } = await runCli(
      ["scan", api.url, "--openapi", "api.json", "--format", "json", "--fail-on", "none"],
      { cwd: dir },
    );
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.ok(
      report.findings.some(
        (f: { checkId: string }) => f.checkId === "in-03-unsupported-media-type",
      ),
    );
  });

  test("--openapi URL: in scope it is fetched; out of scope it is refused (exit 2)", async () => {
    const api = await demo(FLAWS);
    const inScope = await runCli([
      "scan",
      api.url,
      "--openapi",
      `${api.url}/openapi.json`,
      "--format",
      "json",
      "--fail-on",
      "none",
    ]);
    assert.equal(inScope.code, 0);
    assert.ok(
      JSON.parse(inScope.stdout).findings.some(
        (f: { checkId: string }) => f.checkId === "in-03-unsupported-media-type",
      ),
    );
    const outside = await runCli(["scan", api.url, "--openapi", "http://127.0.0.1:9/openapi.json"]);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /^rampart: ERR_USAGE .*outside the scan's scope/);
  });

  test("--openapi with a broken document: one line, exit 2", async () => {
    const api = await demo(FLAWS);
    const dir = mkdtempSync(join(tmpdir(), "rampart-openapi-"));
    writeFileSync(join(dir, "bad.json"), '{"openapi": "3.0.3", "paths": ');
    const { code, stderr } = await runCli(["scan", api.url, "--openapi", "bad.json"], { cwd: dir });
    assert.equal(code, 2);
    assert.match(stderr, /^rampart: ERR_OPENAPI_/);
  });

  test("a login recipe from rampart.yaml: the session cookie is judged", async () => {
    const api = await demo(FLAWS);
    const dir = mkdtempSync(join(tmpdir(), "rampart-login-"));
    writeFileSync(
      join(dir, "rampart.yaml"),
      "scan:\n  login:\n    path: /auth/login\n    body: { username: alice, password: alice-demo-pass }\n",
    );
    const { stdout } = await runCli(
      ["scan", api.url, "--config", "rampart.yaml", "--format", "json"],
      { cwd: dir },
    );
    const report = JSON.parse(stdout);
    const cookie = report.findings.find(
      (f: { checkId: string }) => f.checkId === "ext-02-cookie-flags",
    );
    assert.match(cookie?.title ?? "", /HttpOnly, SameSite/);
    assert.doesNotMatch(stdout, /alice-demo-pass/);
  });

  test("ignore: entries suppress a check's findings; expired ones stop and say so", async () => {
    const api = await demo(FLAWS);
    const dir = mkdtempSync(join(tmpdir(), "rampart-ignore-"));
    writeFileSync(
      join(dir, "rampart.yaml"),
      [
        "ignore:",
        "  - check: in-03-unsupported-media-type",
        "    reason: legacy clients send text/plain until Q3",
        "  - check: ext-04-security-txt",
        "    reason: published on the main site",
        "    expires: 2020-01-01",
        "",
      ].join("\n"),
    );
    const { stdout, stderr } = await runCli(
      ["scan", api.url, "--config", "rampart.yaml", "--format", "json"],
      { cwd: dir },
    );
    const checks = JSON.parse(stdout).findings.map((f: { checkId: string }) => f.checkId);
    assert.ok(!checks.includes("in-03-unsupported-media-type"));
    assert.match(stderr, /ext-04-security-txt.*expired on 2020-01-01/);
  });

  test("an unknown key in the scan: section is a config error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-login-"));
    writeFileSync(join(dir, "rampart.yaml"), "scan:\n  logon: {}\n");
    const { code, stderr } = await runCli(
      ["scan", "http://127.0.0.1:9", "--config", "rampart.yaml"],
      { cwd: dir },
    );
    assert.equal(code, 2);
    assert.match(stderr, /ERR_CONFIG_INVALID/);
  });
});
