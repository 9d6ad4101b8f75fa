import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import type { TestContext } from "node:test";
import { Redis } from "ioredis";

/** Where `redis-server` is looked for (PATH is not searched: tests must not depend on it). */
const REDIS_SERVER = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

/** Whether a missing Redis fails the tests (CI) rather than skipping them (a laptop). */
const required = (): boolean => process.env.RAMPART_REQUIRE_REDIS === "1";

/** Answers PING within `ms`? Never throws. */
async function pings(url: string, ms: number): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: ms,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    disconnectTimeout: 50,
  });
  client.on("error", () => {});
  const timer = new Promise<false>((done) => setTimeout(() => done(false), ms).unref());
  try {
    const answer = client.connect().then(
      () => client.ping(),
      () => "",
    );
    return (await Promise.race([answer, timer])) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

// One PING per test process: the shared server does not come and go during a run.
let shared: Promise<boolean> | undefined;

/**
 * The shared Redis for a test: `REDIS_URL` when it answers PING within 1 s. Otherwise the test
 * is skipped (with the reason) and this returns undefined, or, when `RAMPART_REQUIRE_REDIS=1`
 * (CI), the test fails. Use a {@link uniquePrefix} for every key; never flush the shared server.
 *
 * @example
 * ```ts
 * test("limits are shared", async (t) => {
 *   const url = await redisUrlOrSkip(t);
 *   if (url === undefined) return;
 *   const store = createRedisStore({ url, keyPrefix: uniquePrefix() });
 * });
 * ```
 */
export async function redisUrlOrSkip(t: TestContext): Promise<string | undefined> {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== "") {
    shared ??= pings(url, 1000);
    if (await shared) return url;
  }
  const where = url ? `Redis not reachable at ${url}` : "REDIS_URL is not set";
  if (required()) assert.fail(`${where}, and RAMPART_REQUIRE_REDIS=1 requires it`);
  t.skip(`${where}: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run this test`);
  return undefined;
}

/**
 * A key prefix no other test (or run) uses: `rampart-test:<random>:`.
 *
 * @example
 * ```ts
 * createRedisStore({ url, keyPrefix: uniquePrefix() });
 * ```
 */
export function uniquePrefix(): string {
  return `rampart-test:${randomBytes(6).toString("hex")}:`;
}

/** A Redis server of one test's own, which the test may kill and restart. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills the server with SIGKILL (as if it crashed); resolves once it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is saved); resolves once it answers PING. */
  restart(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test that fails before its cleanup must not leave a server behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts a private `redis-server` on a free loopback port, without persistence. Tests that kill
 * Redis use one of these, never the shared server. Call `stop()` when done (an `after` or
 * `t.after`). When the binary is missing the test is skipped (or fails with
 * `RAMPART_REQUIRE_REDIS=1`) and this resolves to undefined; without `t` it throws.
 *
 * @example
 * ```ts
 * const redis = await startPrivateRedis(t);
 * if (redis === undefined) return;
 * t.after(() => redis.stop());
 * await redis.stop();    // Redis "died"
 * await redis.restart(); // and came back
 * ```
 */
export async function startPrivateRedis(t?: TestContext): Promise<PrivateRedis | undefined> {
  try {
    accessSync(REDIS_SERVER, constants.X_OK);
  } catch {
    const why = `${REDIS_SERVER} not found (set REDIS_SERVER to a redis-server binary)`;
    if (t === undefined || required()) assert.fail(why);
    t.skip(why);
    return undefined;
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const started = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    child = started;
    running.add(started);
    started.once("exit", () => running.delete(started));
    const deadline = Date.now() + 5000;
    while (!(await pings(url, 250))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        started.kill("SIGKILL");
        throw new Error(`redis-server did not start on port ${port}`);
      }
      await new Promise((done) => setTimeout(done, 25));
    }
  };
  const stop = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((done) => current.once("exit", done));
    current.kill("SIGKILL");
    await exited;
  };

  await start();
  return {
    url,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

/** A port free right now on 127.0.0.1 (listen on 0, note the port, close). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}
