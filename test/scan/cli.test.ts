import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { demoPool } from "../helpers/demo-client.js";
import { catchAll, countingServer } from "./scan-helpers.js";

const demo = demoPool();

describe("rampart scan (CLI)", () => {
  test("unreachable target: one line, ERR_TARGET_UNREACHABLE, exit 3", async () => {
    const server = await countingServer(catchAll);
    const url = server.url;
    await server.close();
    const { code, stdout, stderr } = await runCli(["scan", url]);
    assert.equal(code, 3);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1);
    assert.match(stderr, /^rampart: ERR_TARGET_UNREACHABLE .*connection refused/);
  });

  test("bad URL, bad numbers, bad headers: one line, ERR_USAGE, exit 2", async () => {
    for (const args of [
      ["scan", "not a url"],
      ["scan", "ftp://127.0.0.1/"],
      ["scan", "http://127.0.0.1:9", "--max-requests", "0"],
      ["scan", "http://127.0.0.1:9", "--header", "no colon"],
      ["scan", "http://127.0.0.1:9", "--fail-on", "severe"],
    ]) {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /^rampart: ERR_USAGE /);
      assert.doesNotMatch(stderr, /\n\s+at /);
    }
  });

  test("flawed demo: JSON report, exit 1 at --fail-on high, 0 with --fail-on none", async () => {
    const api = await demo("all");
    const json = await runCli(["scan", api.url, "--format", "json"]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.kind, "scan");
    assert.equal(typeof report.requests, "number");
    assert.equal(report.grade, "F");
    assert.match(json.stderr, /requests in/);
    const none = await runCli(["scan", api.url, "--format", "json", "--fail-on", "none"]);
    assert.equal(none.code, 0);
  });

  test("-o fmt=FILE writes several formats; text goes to stdout", async () => {
    const api = await demo("none");
    const dir = mkdtempSync(join(tmpdir(), "rampart-scan-"));
    const { code, stdout } = await runCli(
      [
        "scan",
        api.url,
        "-o",
        "json=out.json",
        "-o",
        "sarif=out.sarif",
        "--format",
        "text",
        "--fail-on",
        "critical",
      ],
      { cwd: dir },
    );
    assert.equal(code, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, "out.json"), "utf8")).kind, "scan");
    assert.equal(JSON.parse(readFileSync(join(dir, "out.sarif"), "utf8")).version, "2.1.0");
    assert.match(stdout, /requests/);
  });

  test("--header credentials go to in-scope requests and never into the report", async () => {
    const seen: string[] = [];
    const server = await countingServer((req, res) => {
      seen.push(String(req.headers["x-api-key"] ?? ""));
      catchAll(req, res);
    });
    try {
      const { stdout } = await runCli([
        "scan",
        server.url,
        "--header",
        "X-API-Key: sekrit-key-123",
        "--format",
        "json",
        "--max-requests",
        "20",
      ]);
      assert.ok(seen.includes("sekrit-key-123"));
      assert.doesNotMatch(stdout, /sekrit-key-123/);
    } finally {
      await server.close();
    }
  });

  test("Ctrl-C: the partial report of what finished", async () => {
    const controller = new AbortController();
    const server = await countingServer((req, res) => {
      if (server.count() === 15) controller.abort();
      setTimeout(() => catchAll(req, res), 5);
    });
    try {
      const { stdout, stderr } = await runCli(["scan", server.url, "--format", "json"], {
        signal: controller.signal,
      });
      assert.match(stderr, /interrupted/);
      const report = JSON.parse(stdout);
      assert.equal(report.kind, "scan");
    } finally {
      await server.close();
    }
  });

  // The three columns (flawed, behind the guard, hardened) are tested in test/cli/demo.test.ts.
  test("rampart demo: grades side by side and rampart-report.html", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-demo-"));
    const { code, stdout } = await runCli(["demo"], { cwd: dir });
    assert.equal(code, 0);
    assert.match(stdout, /grade\s+F \(\d+\/100\)\s+[A-F]\+? \(\d+\/100\)\s+A\+? \(\d+\/100\)/);
    assert.match(stdout, /OUT-01\s+fail\s+pass\s+pass/);
    const html = readFileSync(join(dir, "rampart-report.html"), "utf8");
    assert.match(html, /<html/i);
  });
});
