import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { hashApiKey } from "../../src/guard/auth/compile.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { type RawResponse, send } from "../helpers/demo-client.js";
import { redisUrlOrSkip, startPrivateRedis, uniquePrefix } from "../helpers/redis.js";
import { logSink, type RecordingUpstream, startUpstream } from "./helpers.js";

const API_KEY = randomBytes(24).toString("hex");

let upstream: RecordingUpstream;
before(async () => {
  upstream = await startUpstream();
});
after(() => upstream.close());
beforeEach(() => upstream.reset());

/**
 * Two guard instances on one store, as two processes would be: each opens its own Redis
 * connections from the table (`store` URL, same `storeKeyPrefix`), nothing is shared in memory.
 */
async function twoGuards(
  store: string,
  routes: GuardConfig["routes"],
  onClose: (fn: () => Promise<void>) => void,
): Promise<[Guard, Guard]> {
  const storeKeyPrefix = uniquePrefix();
  const start = async () => {
    const table = buildRouteTable({
      listen: "127.0.0.1:0",
      admin: { listen: "127.0.0.1:0" },
      upstream: upstream.url,
      store,
      storeKeyPrefix,
      auth: { apiKeys: [{ name: "ci", hash: hashApiKey(API_KEY) }] },
      defaults: { public: true },
      routes,
    });
    const guard = await startGuard({ table, log: logSink() });
    onClose(() => guard.close());
    return guard;
  };
  const guards: [Guard, Guard] = [await start(), await start()];
  await Promise.all(
    guards.map((g) => until(async () => (await storeUp(g)) === 1, "the store to connect")),
  );
  return guards;
}

async function storeUp(guard: Guard): Promise<number> {
  const text = (await send(`${guard.adminUrl}/metrics`)).body;
  return Number(/^rampart_guard_store_up\{store="redis"\} (\d)$/m.exec(text)?.[1]);
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

const get = (guard: Guard, path: string, headers: Record<string, string> = {}) =>
  send(`${guard.url}${path}`, { headers });

function assertTooMany(res: RawResponse): void {
  assert.equal(res.status, 429);
  assert.equal(res.headers["content-type"], "application/problem+json");
  assert.match(String(res.headers["retry-after"]), /^[1-9]\d*$/);
}

describe("limits shared through Redis (ACC-01)", () => {
  test("two guard instances enforce ONE quota together", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    const [a, b] = await twoGuards(
      url,
      [{ path: "/quota", limits: [{ name: "q", quota: { requests: 4, windowSeconds: 60 } }] }],
      (fn) => t.after(fn),
    );
    const remaining: string[] = [];
    for (const guard of [a, b, a, b]) {
      const res = await get(guard, "/quota");
      assert.equal(res.status, 200);
      remaining.push(String(res.headers.ratelimit).replace(/;t=\d+$/, ""));
    }
    assert.deepEqual(remaining, ['"q";r=3', '"q";r=2', '"q";r=1', '"q";r=0']);
    assertTooMany(await get(a, "/quota"));
    assertTooMany(await get(b, "/quota"));
    assert.equal(upstream.requests.length, 4);
  });

  test("a concurrency cap held on one instance refuses on the other", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    const [a, b] = await twoGuards(
      url,
      [{ path: "/slow", limits: [{ name: "c", concurrency: 1 }] }],
      (fn) => t.after(fn),
    );
    let release = () => {};
    const gate = new Promise<void>((done) => {
      release = done;
    });
    upstream.reply = async () => {
      await gate;
      return { status: 200, body: "{}", headers: { "content-type": "application/json" } };
    };
    const held = get(a, "/slow");
    await until(() => upstream.requests.length === 1, "the request in flight");
    assertTooMany(await get(b, "/slow"));
    release();
    assert.equal((await held).status, 200);
    upstream.reset();
    await until(async () => (await get(b, "/slow")).status === 200, "the slot to be released");
  });
});

describe("Redis dies mid-test (onStoreError)", () => {
  test("memory: each guard keeps limiting on its own, store_up 0; after restart the count is shared again", async (t) => {
    const redis = await startPrivateRedis(t);
    if (redis === undefined) return;
    t.after(() => redis.stop());
    const [a, b] = await twoGuards(
      redis.url,
      [{ path: "/quota", limits: [{ quota: { requests: 3, windowSeconds: 60 } }] }],
      (fn) => t.after(fn),
    );
    assert.equal((await get(a, "/quota")).status, 200);
    assert.equal((await get(b, "/quota")).status, 200);

    await redis.stop();
    await until(async () => (await storeUp(a)) === 0 && (await storeUp(b)) === 0, "store_up 0");
    // Each process now counts alone, from zero: 3 each, then 429 (limited, not wide open).
    for (const guard of [a, b]) {
      for (let i = 0; i < 3; i++) assert.equal((await get(guard, "/quota")).status, 200);
      assertTooMany(await get(guard, "/quota"));
    }
    const metrics = (await send(`${a.adminUrl}/metrics`)).body;
    assert.match(metrics, /rampart_guard_store_up\{store="redis"\} 0/);
    assert.match(
      metrics,
      /rampart_guard_store_errors_total\{policy="rate-limit",outcome="memory"\} [1-9]/,
    );

    await redis.restart();
    await until(async () => (await storeUp(a)) === 1 && (await storeUp(b)) === 1, "store_up 1");
    // The restarted Redis is empty: one shared count again, split across both instances.
    upstream.reset();
    for (const guard of [a, b, a]) assert.equal((await get(guard, "/quota")).status, 200);
    assertTooMany(await get(b, "/quota"));
    assertTooMany(await get(a, "/quota"));
    assert.equal(upstream.requests.length, 3);
  });

  test("closed: 503 problem, not 401, for a valid API key; requests pass again after restart", async (t) => {
    const redis = await startPrivateRedis(t);
    if (redis === undefined) return;
    t.after(() => redis.stop());
    const [a] = await twoGuards(
      redis.url,
      [
        {
          path: "/private",
          public: false,
          limits: [
            { quota: { requests: 100, windowSeconds: 60 }, onStoreError: "closed" },
            { name: "inflight", concurrency: 10, onStoreError: "closed" },
          ],
        },
      ],
      (fn) => t.after(fn),
    );
    const key = { "x-api-key": API_KEY };
    assert.equal((await get(a, "/private", key)).status, 200);
    await redis.stop();
    await until(async () => (await storeUp(a)) === 0, "store_up 0");
    upstream.reset();
    const res = await get(a, "/private", key);
    assert.equal(res.status, 503);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(res.json().detail, "Rate limits cannot be checked right now.");
    assert.equal(upstream.requests.length, 0);
    // Without a key it is still the authentication answer: the outage changes nothing there.
    assert.equal((await get(a, "/private")).status, 401);
    const metrics = (await send(`${a.adminUrl}/metrics`)).body;
    assert.match(
      metrics,
      /rampart_guard_store_errors_total\{policy="rate-limit",outcome="closed"\} 1/,
    );

    await redis.restart();
    await until(async () => (await storeUp(a)) === 1, "store_up 1");
    assert.equal((await get(a, "/private", key)).status, 200);
  });
});
