import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import { RateLimiterRes } from "rate-limiter-flexible";
import { createMemoryStore } from "../../src/guard/stores/memory.js";
import { openStore } from "../../src/guard/stores/open.js";
import { createRedisStore } from "../../src/guard/stores/redis.js";
import type { GuardStore } from "../../src/guard/stores/store.js";
import { redisUrlOrSkip, startPrivateRedis, uniquePrefix } from "../helpers/redis.js";

/** A clock the test moves by hand. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** Polls `check` every 10 ms until it holds (or fails after `ms`): no blind sleeps. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
  return Date.now() - (deadline - ms);
}

/** What a limiter's consume() settled to: "ok", "limited" (a RateLimiterRes) or "error". */
async function outcome(promise: Promise<unknown>): Promise<"ok" | "limited" | "error"> {
  return promise.then(
    () => "ok" as const,
    (reason: unknown) => (reason instanceof RateLimiterRes ? "limited" : "error"),
  );
}

describe("memory store", () => {
  test("a limiter counts per key and blocks past its points; same options, same limiter", async () => {
    const store = createMemoryStore();
    const options = { keyPrefix: "t:/login", points: 3, durationSeconds: 60 };
    const limiter = store.limiter(options);
    assert.equal(store.limiter({ ...options }), limiter);
    for (let i = 0; i < 3; i++) assert.equal(await outcome(limiter.consume("203.0.113.9")), "ok");
    const refused = await limiter.consume("203.0.113.9").catch((r: unknown) => r);
    assert.ok(refused instanceof RateLimiterRes);
    assert.ok(refused.msBeforeNext > 0 && refused.msBeforeNext <= 60_000);
    assert.equal(await outcome(limiter.consume("198.51.100.1")), "ok", "other keys unaffected");
    assert.equal(store.up, true);
    assert.equal(store.kind, "memory");
  });

  test("acquire hands out max slots; release frees one; a vanished holder's slot frees after its ttl", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const a = await store.acquire("upstream", 2, 30);
    const b = await store.acquire("upstream", 2, 30);
    assert.ok(a && b);
    assert.equal(await store.acquire("upstream", 2, 30), undefined, "third is refused");
    a();
    a(); // releasing twice frees one slot only
    const c = await store.acquire("upstream", 2, 30);
    assert.ok(c);
    assert.equal(await store.acquire("upstream", 2, 30), undefined);
    clock.advance(29_999);
    assert.equal(await store.acquire("upstream", 2, 30), undefined, "still held before the ttl");
    clock.advance(1);
    assert.ok(await store.acquire("upstream", 2, 30), "holders gone: the ttl freed the slots");
  });

  test("a set entry has its ttl, lapses on time, and lists with its reason", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    await store.bans.add("203.0.113.9", 10, "operator");
    await store.revocations.add("jti-1", 0.2);
    assert.equal(store.bans.has("203.0.113.9"), true);
    assert.equal(store.bans.ttl("203.0.113.9"), 10);
    assert.equal(store.revocations.ttl("jti-1"), 1, "at least 1 second");
    assert.deepEqual(store.bans.list(), [{ key: "203.0.113.9", seconds: 10, reason: "operator" }]);
    assert.equal(store.revocations.has("203.0.113.9"), false, "sets are separate");
    clock.advance(9_500);
    assert.equal(store.bans.ttl("203.0.113.9"), 1, "rounded up: Retry-After never says 0");
    clock.advance(500);
    assert.equal(store.bans.has("203.0.113.9"), false);
    assert.equal(store.bans.ttl("203.0.113.9"), 0);
    assert.deepEqual(store.bans.list(), []);
    await store.bans.add("198.51.100.1", 60);
    await store.bans.delete("198.51.100.1");
    assert.equal(store.bans.has("198.51.100.1"), false);
  });

  test("ban flood: a set keeps at most its bound, evicting the oldest", async () => {
    const store = createMemoryStore({ maxSetEntries: 3 });
    for (const ip of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]) await store.bans.add(ip, 60);
    assert.deepEqual(
      store.bans.list().map((e) => e.key),
      ["10.0.0.2", "10.0.0.3", "10.0.0.4"],
    );
  });

  test("values expire; misuse is a TypeError", async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    await store.putValue("edge:abc", "upstream-token", 5);
    assert.equal(await store.getValue("edge:abc"), "upstream-token");
    clock.advance(5_000);
    assert.equal(await store.getValue("edge:abc"), undefined);
    assert.throws(
      () => store.limiter({ keyPrefix: "x", points: 0, durationSeconds: 1 }),
      TypeError,
    );
    await assert.rejects(store.acquire("k", 0, 1), TypeError);
    await assert.rejects(store.bans.add("", 10), TypeError);
    assert.throws(() => openStore({ url: "mongodb://x", keyPrefix: "p:" }), TypeError);
    assert.equal(openStore({ url: "memory", keyPrefix: "p:" }).kind, "memory");
  });
});

describe("redis store (shared REDIS_URL)", () => {
  const open = (url: string, keyPrefix: string) => createRedisStore({ url, keyPrefix });
  const ready = (store: GuardStore) => until("store up", () => store.up);

  test("two stores on one prefix see each other's set entries within 200 ms", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    const prefix = uniquePrefix();
    const a = open(url, prefix);
    const b = open(url, prefix);
    t.after(() => Promise.all([a.close(), b.close()]));
    await ready(a);
    await ready(b);
    // The subscription is set up at connect: wait until B hears a first change.
    await a.bans.add("192.0.2.1", 60);
    await until("B subscribed", () => b.bans.has("192.0.2.1"));
    await a.bans.add("203.0.113.9", 600, "operator");
    assert.equal(a.bans.has("203.0.113.9"), true, "at once where it was added");
    const ms = await until("B sees the ban", () => b.bans.has("203.0.113.9"), 200);
    assert.ok(ms <= 200);
    assert.ok(b.bans.ttl("203.0.113.9") > 595);
    assert.deepEqual(
      b.bans.list().find((e) => e.key === "203.0.113.9"),
      { key: "203.0.113.9", seconds: 600, reason: "operator" },
    );
    await b.bans.delete("203.0.113.9");
    await until("A sees the unban", () => !a.bans.has("203.0.113.9"), 200);
    await b.revocations.add("jti-42", 30);
    await until("A sees the revocation", () => a.revocations.has("jti-42"), 200);
    assert.equal(a.bans.has("jti-42"), false, "sets are separate");

    // A process that starts later loads the entries at connect.
    const late = open(url, prefix);
    t.after(() => late.close());
    await until("late store loaded", () => late.revocations.has("jti-42"));
    assert.ok(late.revocations.ttl("jti-42") > 25);
    const other = open(url, uniquePrefix());
    t.after(() => other.close());
    await ready(other);
    await new Promise((done) => setTimeout(done, 50));
    assert.equal(other.revocations.has("jti-42"), false, "another prefix sees nothing");
  });

  test("a limiter's count and a concurrency slot are shared between stores", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    const prefix = uniquePrefix();
    const a = open(url, prefix);
    const b = open(url, prefix);
    t.after(() => Promise.all([a.close(), b.close()]));
    await ready(a);
    await ready(b);
    const options = { keyPrefix: "rate:/login", points: 3, durationSeconds: 60 };
    assert.equal(a.limiter(options), a.limiter({ ...options }));
    assert.equal(await outcome(a.limiter(options).consume("203.0.113.9")), "ok");
    assert.equal(await outcome(a.limiter(options).consume("203.0.113.9")), "ok");
    assert.equal(await outcome(b.limiter(options).consume("203.0.113.9")), "ok");
    assert.equal(await outcome(b.limiter(options).consume("203.0.113.9")), "limited");
    assert.equal(await outcome(a.limiter(options).consume("203.0.113.9")), "limited");

    const held = await a.acquire("upstream", 1, 30);
    assert.ok(held);
    const raw = new Redis(url);
    t.after(() => raw.quit());
    const ttl = await raw.pttl(`${prefix}slot:upstream`);
    assert.ok(ttl > 29_000 && ttl <= 30_000, `a vanished holder's slot frees itself (${ttl} ms)`);
    assert.equal(await b.acquire("upstream", 1, 30), undefined, "the other process sees it taken");
    held();
    let again: (() => void) | undefined;
    await until("slot released", async () => {
      again = await b.acquire("upstream", 1, 30);
      return again !== undefined;
    });
    again?.();

    await a.putValue("edge:abc", "upstream-token", 30);
    assert.equal(await b.getValue("edge:abc"), "upstream-token");
    assert.equal(await b.getValue("edge:none"), undefined);
  });
});

describe("redis store: connection handling", () => {
  test("an unreachable Redis never throws at open; operations fail fast instead of queueing", async (t) => {
    const redis = await startPrivateRedis(t);
    if (redis === undefined) return;
    await redis.stop(); // a port where nothing listens any more
    const store = openStore({ url: redis.url, keyPrefix: uniquePrefix() });
    t.after(() => store.close());
    assert.equal(store.kind, "redis");
    assert.equal(store.up, false);
    const started = Date.now();
    await assert.rejects(store.acquire("slot", 1, 30));
    await assert.rejects(store.getValue("edge:x"));
    const limiter = store.limiter({ keyPrefix: "u", points: 1, durationSeconds: 60 });
    assert.equal(await outcome(limiter.consume("k")), "error");
    assert.ok(Date.now() - started < 500, `failed within ${Date.now() - started} ms`);
  });

  test("a client passed in is used (already connected: the mirror still loads) and not quit", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    const prefix = uniquePrefix();
    const writer = createRedisStore({ url, keyPrefix: prefix });
    t.after(() => writer.close());
    await until("writer up", () => writer.up);
    await writer.bans.add("198.51.100.4", 60, "earlier");
    const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    t.after(() => client.quit());
    await until("client ready", () => client.status === "ready");
    const store = createRedisStore({ url: "redis://unused.invalid", keyPrefix: prefix, client });
    assert.equal(store.up, true);
    await until("mirror loaded", () => store.bans.has("198.51.100.4"));
    await store.close();
    assert.equal(await client.ping(), "PONG", "the caller's client stays open");
  });
});

describe("redis store when Redis dies (private server)", () => {
  test("down: insured limiter answers, uninsured rejects, acquire rejects; back: mirror reloads", async (t) => {
    const redis = await startPrivateRedis(t);
    if (redis === undefined) return;
    t.after(() => redis.stop());
    const prefix = uniquePrefix();
    const store = openStore({ url: redis.url, keyPrefix: prefix });
    t.after(() => store.close());
    const changes: boolean[] = [];
    store.onStatus((up) => changes.push(up));
    await until("store up", () => store.up);
    const insured = store.limiter({
      keyPrefix: "i",
      points: 2,
      durationSeconds: 60,
      insurance: true,
    });
    const uninsured = store.limiter({ keyPrefix: "u", points: 2, durationSeconds: 60 });
    assert.equal(await outcome(insured.consume("k")), "ok");
    assert.equal(await outcome(uninsured.consume("k")), "ok");
    await store.bans.add("192.0.2.7", 600, "before the crash");

    await redis.stop();
    await until("store down", () => !store.up);
    assert.deepEqual(changes, [true, false], "connected, then lost");
    assert.equal(await outcome(insured.consume("k")), "ok", "insurance answers from memory");
    assert.equal(await outcome(insured.consume("k")), "ok");
    assert.equal(await outcome(insured.consume("k")), "limited", "and still limits per process");
    assert.equal(
      await outcome(uninsured.consume("k")),
      "error",
      "no insurance: the policy decides",
    );
    await assert.rejects(store.acquire("slot", 5, 30));
    await assert.rejects(store.bans.add("203.0.113.9", 600, "during the outage"));
    assert.equal(store.bans.has("203.0.113.9"), true, "this process honours it anyway");

    await redis.restart();
    await until("store up again", () => store.up, 8000);
    assert.deepEqual(changes, [true, false, true]);
    // The restarted Redis is empty: the mirror follows it, and the ban made during the outage
    // is written now.
    await until("mirror reloaded", () => !store.bans.has("192.0.2.7"));
    assert.equal(store.bans.has("203.0.113.9"), true);
    const raw = new Redis(redis.url);
    t.after(() => raw.quit());
    await until(
      "outage ban written",
      async () => (await raw.pttl(`${prefix}set:bans:203.0.113.9`)) > 0,
    );
    assert.equal(await raw.get(`${prefix}set:bans:203.0.113.9`), "during the outage");
    assert.ok(await store.acquire("slot", 5, 30), "acquire works again");
    assert.equal(await outcome(uninsured.consume("k")), "ok");
  });
});
