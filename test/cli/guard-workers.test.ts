import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startUpstream } from "../guard/helpers.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { redisUrlOrSkip, uniquePrefix } from "../helpers/redis.js";

const BIN = join(ROOT, "dist", "src", "cli", "bin.js");

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly admin: string;
  readonly stdout: () => string;
}

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** `rampart guard --workers N` as a user starts it; resolves once the primary announces it. */
async function startWorkers(args: readonly string[]): Promise<Running> {
  const child = spawn(
    process.execPath,
    [BIN, "guard", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", ...args],
    { env: { PATH: process.env.PATH ?? "" } },
  );
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  const line = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      err += d;
      const match = /rampart guard: (http:\/\/\S+) \((\d+) workers, admin (http:\/\/\S+)\)/.exec(
        err,
      );
      if (match) resolve(match);
    });
    child.once("exit", (code) => reject(new Error(`guard exited early (${code}): ${err}`)));
  });
  return { child, url: line[1] as string, admin: line[3] as string, stdout: () => out };
}

/** One request on a fresh connection, so that the cluster spreads them over the workers. */
function get(url: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function stop(running: Running): Promise<number | null> {
  running.child.kill("SIGTERM");
  const [code] = await once(running.child, "exit");
  return code as number | null;
}

describe("rampart guard --workers", () => {
  test("two workers serve one listener; the primary's /metrics sums both; SIGTERM stops all", async () => {
    const upstream = await startUpstream();
    try {
      const dir = mkdtempSync(join(tmpdir(), "rampart-workers-"));
      writeFileSync(
        join(dir, "rampart.yaml"),
        `guard:\n  upstream: ${upstream.url}\n  routes:\n    - { path: /health, public: true }\n`,
      );
      const running = await startWorkers(["--config", join(dir, "rampart.yaml"), "--workers", "2"]);
      for (let i = 0; i < 20; i++) assert.equal((await get(`${running.url}/health`)).status, 200);
      assert.equal(upstream.requests.length, 20);
      const metrics = await (await fetch(`${running.admin}/metrics`)).text();
      assert.match(
        metrics,
        /rampart_guard_requests_total\{route="\/health",method="GET",status="200"\} 20/,
      );
      // Each worker's access log lines carry its id: both served.
      const workers = new Set(
        running
          .stdout()
          .split("\n")
          .filter((l) => l.includes('"event":"access"'))
          .map((l) => JSON.parse(l).worker),
      );
      assert.deepEqual([...workers].sort(), [1, 2]);
      assert.equal(await stop(running), 0);
    } finally {
      await upstream.close();
    }
  });

  test("--workers 2 with rate limits in memory is refused: each worker would count alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-workers-"));
    writeFileSync(
      join(dir, "rampart.yaml"),
      [
        "guard:",
        "  upstream: http://127.0.0.1:9",
        "  routes:",
        "    - { path: /health, public: true, limits: [{ quota: { requests: 10, windowSeconds: 60 } }] }",
        "",
      ].join("\n"),
    );
    const { code, stderr } = await runCli(
      ["guard", "--config", "rampart.yaml", "--workers", "2", "--check"],
      {
        cwd: dir,
      },
    );
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^rampart: ERR_USAGE --workers 2 needs a shared store for rate limits: set guard.store \(or --store\) to a redis:\/\/ URL/,
    );
  });

  test("--workers 0 is a usage error", async () => {
    const { code, stderr } = await runCli([
      "guard",
      "--upstream",
      "http://127.0.0.1:9",
      "--workers",
      "0",
      "--check",
    ]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      'rampart: ERR_USAGE --workers must be an integer from 1 to 256 (got "0")\n',
    );
  });

  test("two workers sharing Redis enforce one quota together", async (t) => {
    const redis = await redisUrlOrSkip(t);
    if (!redis) return;
    const upstream = await startUpstream();
    try {
      const dir = mkdtempSync(join(tmpdir(), "rampart-workers-"));
      writeFileSync(
        join(dir, "rampart.yaml"),
        [
          "guard:",
          `  upstream: ${upstream.url}`,
          `  storeKeyPrefix: "${uniquePrefix()}"`,
          "  routes:",
          "    - { path: /health, public: true, limits: [{ quota: { requests: 10, windowSeconds: 300 } }] }",
          "",
        ].join("\n"),
      );
      const running = await startWorkers([
        "--config",
        join(dir, "rampart.yaml"),
        "--workers",
        "2",
        "--store",
        redis,
      ]);
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await get(`${running.url}/health`)).status);
      assert.deepEqual(
        statuses,
        [...Array(10).fill(200), ...Array(6).fill(429)],
        "one quota of 10 across both workers",
      );
      assert.equal(upstream.requests.length, 10);
      assert.equal(await stop(running), 0);
    } finally {
      await upstream.close();
    }
  });
});
