import assert from "node:assert/strict";
import { after, before, describe, type TestContext, test } from "node:test";
import { Redis } from "ioredis";
import type { LockoutConfig } from "../../src/guard/config/lockout-schema.js";
import { send } from "../helpers/demo-client.js";
import { redisUrlOrSkip, startPrivateRedis, uniquePrefix } from "../helpers/redis.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

// The fake login upstream: the password "right" logs in, any other is a 401.
let upstream: RecordingUpstream;
before(async () => {
  upstream = await startUpstream();
});
after(() => upstream.close());

type Guard = Awaited<ReturnType<typeof guardFor>>;

async function redisGuard(
  t: TestContext,
  store: string,
  storeKeyPrefix: string,
  lockout: Partial<LockoutConfig> = {},
): Promise<Guard> {
  const guard = await guardFor(upstream.url, {
    admin: { listen: "127.0.0.1:0" },
    store,
    storeKeyPrefix,
    routes: [
      {
        path: "/login",
        methods: ["POST"],
        public: true,
        lockout: { username: { json: "/username" }, ...lockout },
      },
      {
        path: "/open-login",
        methods: ["POST"],
        public: true,
        lockout: { username: { json: "/username" }, ...lockout, onStoreError: "open" },
      },
    ],
  });
  t.after(() => guard.close());
  await until(() => guard.store.up, "the store connects");
  return guard;
}

/** Polls a condition (a state change in another process), failing after 5 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

function login(guard: Guard, username: string, password: string, path = "/login") {
  return send(`${guard.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
}

function startLoginUpstream(): void {
  upstream.reset();
  upstream.reply = (r) =>
    (JSON.parse(r.body) as { password?: string }).password === "right"
      ? { status: 200, headers: { "content-type": "application/json" }, body: '{"token":"t"}' }
      : { status: 401, headers: { "content-type": "application/json" }, body: '{"error":"no"}' };
}

/** The keys under a test's prefix; they are deleted when the test ends (never a flush). */
async function keysUnder(t: TestContext, url: string, prefix: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  t.after(async () => {
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });
  return keys;
}

async function metricsText(guard: Guard): Promise<string> {
  return (await send(`${guard.adminUrl}/metrics`)).body;
}

describe("login lockout shared through Redis (AUTH-03)", () => {
  test("two guard instances on one Redis share one lockout: 3 failures on A and 2 on B jail the user on both", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    startLoginUpstream();
    const prefix = uniquePrefix();
    const a = await redisGuard(t, url, prefix);
    const b = await redisGuard(t, url, prefix);
    const seen: number[] = [];
    for (const guard of [a, a, a, b, b]) seen.push((await login(guard, "alice", "wrong")).status);
    assert.deepEqual(seen, [401, 401, 401, 401, 401]);
    for (const guard of [a, b]) {
      const res = await login(guard, "alice", "right");
      assert.equal(res.status, 429);
      assert.equal(res.headers["content-type"], "application/problem+json");
      assert.ok(
        Number(res.headers["retry-after"]) >= 59,
        `Retry-After ${res.headers["retry-after"]}`,
      );
    }
    assert.equal(
      upstream.requests.length,
      5,
      "the upstream never saw an attempt of the jailed user",
    );
    // B saw the fifth failure: B started the jail (in Redis, where A found it).
    assert.match(await metricsText(b), /^rampart_guard_lockouts_total\{route="\/login"\} 1$/m);
    // Detection both ways: another user on the same Redis and address is not jailed.
    assert.equal((await login(a, "bob", "right")).status, 200);
    const keys = await keysUnder(t, url, prefix);
    assert.ok(keys.length > 0, "the counters live in Redis");
    assert.deepEqual(
      keys.filter((k) => /alice/i.test(k)),
      [],
      "no username in a Redis key",
    );
    // A guard with another prefix shares nothing.
    const other = await redisGuard(t, url, uniquePrefix());
    assert.equal((await login(other, "alice", "right")).status, 200);
  });

  test("Redis killed mid-test: 503 problem (never 401) by default, pass with onStoreError open, lockouts again after restart", async (t) => {
    const redis = await startPrivateRedis(t);
    if (redis === undefined) return;
    t.after(() => redis.stop());
    startLoginUpstream();
    const guard = await redisGuard(t, redis.url, uniquePrefix(), { maxConsecutiveFailures: 2 });
    assert.equal((await login(guard, "alice", "wrong")).status, 401);

    await redis.stop();
    await until(() => !guard.store.up, "the guard notices Redis is gone");
    upstream.reset();
    startLoginUpstream();
    const refused = await login(guard, "alice", "right");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["content-type"], "application/problem+json");
    assert.equal(refused.json().detail, "Login attempts cannot be checked right now.");
    assert.equal(upstream.requests.length, 0, "nothing reaches the upstream unchecked");
    const passed = await login(guard, "alice", "wrong", "/open-login");
    assert.equal(passed.status, 401, "onStoreError open: the login passes");
    assert.equal(upstream.requests.length, 1);
    const down = await metricsText(guard);
    assert.match(down, /^rampart_guard_store_up\{store="redis"\} 0$/m);
    assert.match(
      down,
      /^rampart_guard_store_errors_total\{policy="login-lockout",outcome="closed"\} [1-9]/m,
    );
    assert.match(
      down,
      /^rampart_guard_store_errors_total\{policy="login-lockout",outcome="open"\} [1-9]/m,
    );
    assert.ok(
      guard.log.lines.some((l) => l.event === "store-error" && l.policy === "login-lockout"),
      "logged",
    );

    await redis.restart();
    await until(() => guard.store.up, "the guard reconnects");
    const again: number[] = [];
    for (let i = 0; i < 2; i++) again.push((await login(guard, "alice", "wrong")).status);
    assert.deepEqual(again, [401, 401]);
    assert.equal((await login(guard, "alice", "right")).status, 429, "lockouts work again");
    assert.match(await metricsText(guard), /^rampart_guard_store_up\{store="redis"\} 1$/m);
  });
});
