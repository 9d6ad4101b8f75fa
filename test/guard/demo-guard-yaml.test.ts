import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DemoApi, startDemoApi } from "../../demo/server.js";
import { run } from "../../src/cli/main.js";
import type { Report } from "../../src/core/report.js";
import { ROOT, runCli } from "../helpers/cli.js";

/**
 * Issue 7's acceptance, as a user runs it: the flawed demo, `rampart guard --config
 * demo/guard.yaml --upstream URL --listen HOST:PORT --openapi contract.json` in front (flags over
 * the file; the demo's contract is issue 18's positive model), and `rampart scan --profile full`
 * with demo/rampart.yaml through the guard.
 */
describe("demo/guard.yaml in front of the flawed demo, scanned with --profile full", () => {
  let api: DemoApi;
  const stop = new AbortController();
  let guardExit: Promise<number>;
  let guardUrl = "";
  let report: Report;
  let stdout = "";

  const dir = mkdtempSync(join(tmpdir(), "rampart-demo-guard-"));
  const contract = join(dir, "contract.json");

  before(async () => {
    api = await startDemoApi({ flaws: "all", port: 0 });
    // The demo's contract (the API as designed): the guard enforces it, the scan reads it.
    writeFileSync(contract, await (await fetch(`${api.url}/contract.json`)).text());
    let stderr = "";
    let listening: (url: string) => void = () => {};
    const started = new Promise<string>((resolve) => {
      listening = resolve;
    });
    guardExit = run(
      [
        "guard",
        "--config",
        join(ROOT, "demo", "guard.yaml"),
        "--upstream",
        api.url,
        "--listen",
        "127.0.0.1:0",
        "--openapi",
        contract,
      ],
      {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: {
          write: (s: string) => {
            stderr += s;
            const url = /rampart guard: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
            if (url) listening(url);
            return true;
          },
        },
        cwd: ROOT,
        env: {},
        signal: stop.signal,
      },
    );
    guardUrl = await started;
    api.setPublicUrl(guardUrl);
    const scan = await runCli(
      [
        "scan",
        guardUrl,
        "--config",
        join(ROOT, "demo", "rampart.yaml"),
        "--profile",
        "full",
        "--openapi",
        contract,
        "--format",
        "json",
        "--fail-on",
        "none",
      ],
      { cwd: dir },
    );
    assert.equal(scan.code, 0, scan.stderr);
    report = JSON.parse(scan.stdout) as Report;
  });
  after(async () => {
    stop.abort();
    assert.equal(await guardExit, 0);
    await api.close();
  });

  const verdict = (id: string) => report.items.find((i) => i.id === id)?.verdict;

  test("the guard listens where the flag says, not where the file says (flags override)", () => {
    assert.doesNotMatch(guardUrl, /:8443$/);
  });

  for (const item of [
    "AUTH-01",
    "AUTH-03",
    "JWT-02",
    "JWT-03",
    "JWT-04",
    "JWT-05",
    "ACC-01",
    "PROC-01",
    "OAUTH-01",
    "OAUTH-02",
    "OAUTH-03",
    "OAUTH-04",
    "EXT-02",
  ])
    test(`${item} passes behind the guard`, () => {
      const result = report.items.find((i) => i.id === item);
      const findings = report.findings
        .filter((f) => result?.findings.includes(f.id))
        .map((f) => f.title);
      assert.equal(
        result?.verdict,
        "pass",
        `${item}: ${result?.verdict} ${result?.reason ?? ""} ${findings.join(" | ")}`,
      );
    });

  // Issue 18: the positive model. The flawed demo fails these three on its own (its search
  // concatenates SQL, its login takes operator objects, its profile update binds role, its
  // users carry the password hash); behind the guard and its contract, none fails.
  for (const item of ["IN-04", "EXT-05", "OUT-06"])
    test(`${item} no longer fails behind the guard's contract (the positive model)`, () => {
      const result = report.items.find((i) => i.id === item);
      const findings = report.findings
        .filter((f) => result?.findings.includes(f.id))
        .map((f) => `${f.checkId}: ${f.title} ${JSON.stringify(f.location)}`);
      assert.ok(result, item);
      assert.notEqual(result.verdict, "fail", `${item}: ${findings.join(" | ")}`);
      assert.notEqual(result.verdict, "not_tested", `${item}: ${result.reason ?? ""}`);
    });

  // The contract caps a list's page size, which the flawed demo does not (`unbounded-input`);
  // the guard's own body limits bound the size and the nesting.
  test("EXT-06 no longer fails behind the guard's contract: the page size is capped at the edge", () => {
    const result = report.items.find((i) => i.id === "EXT-06");
    const findings = report.findings
      .filter((f) => result?.findings.includes(f.id))
      .map((f) => `${f.checkId}: ${f.title} ${JSON.stringify(f.location)}`);
    assert.ok(result);
    assert.ok(
      result.verdict === "pass" || result.verdict === "partial",
      `EXT-06: ${result.verdict} ${result.reason ?? ""} ${findings.join(" | ")}`,
    );
  });

  test("JWT-01 is not reported as fixed: its tokens never reach a client, so it is not testable", () => {
    assert.equal(verdict("JWT-01"), "not_applicable");
  });

  test("the scan's failed logins were jailed, and the access log names no password or token", () => {
    assert.match(stdout, /"blockedBy":"login-lockout"/);
    assert.doesNotMatch(stdout, /carol-demo-pass|alice-demo-pass|eyJ[A-Za-z0-9_-]{20,}/);
  });
});
