// Issue 17, cause 7 (hang): a start that fails after the state store opened must close the
// store and everything else it opened, so that the process exits 2 at once instead of being
// held open by the Redis connection (and then only SIGKILL ends it).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { generate } from "selfsigned";
import { ROOT } from "../helpers/cli.js";
import { redisUrlOrSkip, uniquePrefix } from "../helpers/redis.js";

const BIN = join(ROOT, "dist", "src", "cli", "bin.js");

/** A loopback port held by another listener for the duration of the test. */
async function takenPort(t: TestContext): Promise<number> {
  const holder: Server = createServer();
  await new Promise<void>((done) => holder.listen(0, "127.0.0.1", done));
  t.after(() => new Promise<void>((done) => holder.close(() => done())));
  return (holder.address() as { port: number }).port;
}

interface Ended {
  readonly code: number | null;
  readonly stderr: string;
  /** Milliseconds from the ERR_LISTEN line to the process's exit. */
  readonly afterError: number;
}

/** Runs `rampart guard` with a config; kills it (and fails) when it has not ended in 30 s (a busy machine starts node slowly). */
function runGuard(yaml: string, args: readonly string[] = []): Promise<Ended> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-start-"));
  writeFileSync(join(dir, "rampart.yaml"), yaml);
  return writeAndRun(dir, args);
}

function writeAndRun(dir: string, args: readonly string[] = []): Promise<Ended> {
  const child = spawn(
    process.execPath,
    [BIN, "guard", "--config", join(dir, "rampart.yaml"), ...args],
    { cwd: dir, env: { PATH: process.env.PATH ?? "" } },
  );
  let stderr = "";
  let errorAt = 0;
  child.stdout.resume();
  child.stderr.on("data", (d) => {
    stderr += d;
    if (errorAt === 0 && stderr.includes("ERR_LISTEN")) errorAt = performance.now();
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, stderr, afterError: errorAt === 0 ? -1 : performance.now() - errorAt });
    }),
  );
}

/**
 * Exit code 2, within `withinMs` of the ERR_LISTEN line (a hang was "never"). Under --workers a
 * worker's exit must reach the primary first: two processes on a busy machine get 3 s.
 */
function assertExitedPromptly(ended: Ended, what: RegExp, withinMs = 1000): void {
  assert.match(ended.stderr, what);
  assert.equal(ended.code, 2, ended.stderr);
  assert.ok(ended.afterError >= 0, "ERR_LISTEN was printed");
  assert.ok(
    ended.afterError < withinMs,
    `exited ${Math.round(ended.afterError)} ms after ERR_LISTEN`,
  );
}

const base = (store: string) =>
  `guard:\n  upstream: http://127.0.0.1:9\n  store: ${store}\n  storeKeyPrefix: "${uniquePrefix()}"\n  routes:\n    - { path: /health, public: true }\n`;

describe("start failures with a Redis store (issue 17, cause 7)", () => {
  test("listen port taken with a Redis store exits 2 within a second", async (t) => {
    const redis = await redisUrlOrSkip(t);
    if (!redis) return;
    const port = await takenPort(t);
    const ended = await runGuard(`${base(redis)}  listen: 127.0.0.1:${port}\n`);
    assertExitedPromptly(
      ended,
      new RegExp(`ERR_LISTEN cannot listen on 127.0.0.1:${port} \\(proxy\\)`),
    );
  });

  test("admin port taken with a Redis store exits 2 within a second", async (t) => {
    const redis = await redisUrlOrSkip(t);
    if (!redis) return;
    const port = await takenPort(t);
    const ended = await runGuard(
      `${base(redis)}  listen: 127.0.0.1:0\n  admin: { listen: "127.0.0.1:${port}" }\n`,
    );
    assertExitedPromptly(ended, /ERR_LISTEN .*\(admin\)/);
  });

  test("redirect port taken with a Redis store exits 2 within a second", async (t) => {
    const redis = await redisUrlOrSkip(t);
    if (!redis) return;
    const port = await takenPort(t);
    const dir = mkdtempSync(join(tmpdir(), "rampart-start-"));
    const pems = await generate([{ name: "commonName", value: "localhost" }], {
      keySize: 2048,
      algorithm: "sha256",
    });
    writeFileSync(join(dir, "cert.pem"), pems.cert);
    writeFileSync(join(dir, "key.pem"), pems.private);
    writeFileSync(
      join(dir, "rampart.yaml"),
      `${base(redis)}  listen: 127.0.0.1:0\n  tls: { cert: cert.pem, key: key.pem, httpRedirect: "127.0.0.1:${port}" }\n`,
    );
    assertExitedPromptly(await writeAndRun(dir), /ERR_LISTEN .*\(redirect\)/);
  });

  test("listen port taken with a Redis store and --workers 2 exits 2 promptly", async (t) => {
    const redis = await redisUrlOrSkip(t);
    if (!redis) return;
    const port = await takenPort(t);
    const ended = await runGuard(`${base(redis)}  listen: 127.0.0.1:${port}\n`, ["--workers", "2"]);
    assertExitedPromptly(ended, /ERR_LISTEN .*\(proxy\)/, 3000);
  });

  test("admin port taken with a Redis store and --workers 2 exits 2 promptly", async (t) => {
    const redis = await redisUrlOrSkip(t);
    if (!redis) return;
    const port = await takenPort(t);
    const ended = await runGuard(
      `${base(redis)}  listen: 127.0.0.1:0\n  admin: { listen: "127.0.0.1:${port}", tokenHash: "sha256:${"0".repeat(64)}" }\n`,
      ["--workers", "2"],
    );
    assertExitedPromptly(ended, /ERR_LISTEN .*\(admin\)/, 3000);
  });

  test("listen port taken with the memory store exits 2 within a second too", async (t) => {
    const port = await takenPort(t);
    const ended = await runGuard(`${base("memory")}  listen: 127.0.0.1:${port}\n`);
    assertExitedPromptly(ended, /ERR_LISTEN/);
  });
});
