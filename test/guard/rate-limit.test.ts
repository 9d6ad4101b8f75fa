import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { RampartError } from "../../src/core/errors.js";
import { hashApiKey } from "../../src/guard/auth/compile.js";
import { loadGuard } from "../../src/guard/config/load.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { globalLimitConflicts, hasLimits } from "../../src/guard/policies/rate-limit.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { createMemoryStore } from "../../src/guard/stores/memory.js";
import type { GuardStore } from "../../src/guard/stores/store.js";
import { type RawResponse, send } from "../helpers/demo-client.js";
import { type LogSink, logSink, type RecordingUpstream, startUpstream } from "./helpers.js";

const KEY_CI = "ci-key-0123456789abcdef0123456789abcdef";
const KEY_OPS = "ops-key-0123456789abcdef0123456789abcdef";

let upstream: RecordingUpstream;
const open: Guard[] = [];

before(async () => {
  upstream = await startUpstream();
});
after(async () => {
  for (const guard of open) await guard.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

type Routes = GuardConfig["routes"];

/** A guard in front of the recording upstream; routes are public unless they say otherwise. */
async function guardWith(
  routes: Routes,
  extra: Partial<GuardConfig> = {},
  store?: GuardStore,
): Promise<Guard & { log: LogSink }> {
  const log = logSink();
  const table = buildRouteTable({
    listen: "127.0.0.1:0",
    upstream: upstream.url,
    defaults: { public: true },
    ...extra,
    routes,
  });
  const guard = await startGuard({ table, log, ...(store ? { store } : {}) });
  open.push(guard);
  return Object.assign(guard, { log });
}

function get(guard: Guard, path: string, headers: Record<string, string> = {}) {
  return send(`${guard.url}${path}`, { headers });
}

function assertTooMany(res: RawResponse): void {
  assert.equal(res.status, 429);
  assert.equal(res.headers["content-type"], "application/problem+json");
  assert.equal(res.json().status, 429);
  assert.match(String(res.headers["retry-after"]), /^[1-9]\d*$/);
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

/** Makes the upstream hold its answers until `release()`. */
function holdUpstream(): { release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((done) => {
    release = done;
  });
  upstream.reply = async () => {
    await gate;
    return { status: 200, headers: { "content-type": "application/json" }, body: "{}" };
  };
  return { release };
}

describe("quota (ACC-01)", () => {
  test("request N+1 is 429 problem+json with Retry-After; the upstream saw exactly N", async () => {
    const guard = await guardWith([
      { path: "/quota", limits: [{ name: "q", quota: { requests: 3, windowSeconds: 60 } }] },
    ]);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get(guard, "/quota");
      assert.equal(res.status, 200);
      assert.equal(res.headers["ratelimit-policy"], '"q";q=3;w=60');
      remaining.push(String(res.headers.ratelimit).replace(/;t=\d+$/, ""));
    }
    assert.deepEqual(remaining, ['"q";r=2', '"q";r=1', '"q";r=0']);
    const refused = await get(guard, "/quota");
    assertTooMany(refused);
    const wait = Number(refused.headers["retry-after"]);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait} within the window`);
    assert.equal(refused.headers["ratelimit-policy"], '"q";q=3;w=60');
    const t = Number(/^"q";r=0;t=(\d+)$/.exec(String(refused.headers.ratelimit))?.[1]);
    assert.ok(t >= 1 && t <= wait, "Retry-After is not before the end of the window");
    assert.equal(upstream.requests.length, 3);
    const metrics = await guard.metrics.registry.metrics();
    assert.match(metrics, /rampart_guard_rate_limited_total\{route="\/quota",limit="q"\} 1/);
    assert.match(metrics, /rampart_guard_blocks_total\{policy="rate-limit",item="ACC-01"\} 1/);
  });

  test("silent when it must not act: a route without limits is never 429 nor announces one", async () => {
    const guard = await guardWith([
      { path: "/free" },
      { path: "/limited", limits: [{ quota: { requests: 1, windowSeconds: 60 } }] },
    ]);
    for (let i = 0; i < 20; i++) {
      const res = await get(guard, "/free");
      assert.equal(res.status, 200);
      assert.equal(res.headers.ratelimit, undefined);
      assert.equal(res.headers["ratelimit-policy"], undefined);
    }
    assert.equal(hasLimits(guard.table), true);
    const none = buildRouteTable({ upstream: upstream.url, routes: [{ path: "/free" }] });
    assert.equal(hasLimits(none), false);
  });

  test("upstream RateLimit fields are replaced by the guard's own", async () => {
    const guard = await guardWith([
      { path: "/quota", limits: [{ name: "q", quota: { requests: 5, windowSeconds: 60 } }] },
    ]);
    upstream.reply = () => ({
      status: 200,
      headers: {
        "content-type": "application/json",
        ratelimit: '"up";r=999',
        "ratelimit-policy": '"up";q=999',
      },
      body: "{}",
    });
    const res = await get(guard, "/quota");
    assert.equal(res.headers["ratelimit-policy"], '"q";q=5;w=60');
    assert.match(String(res.headers.ratelimit), /^"q";r=4;t=\d+$/);
  });

  test("the most restrictive of several limits is the one in RateLimit", async () => {
    const guard = await guardWith([
      {
        path: "/two",
        limits: [
          { name: "hour", quota: { requests: 100, windowSeconds: 3600 } },
          { name: "minute", quota: { requests: 2, windowSeconds: 60 } },
        ],
      },
    ]);
    const res = await get(guard, "/two");
    assert.equal(res.headers["ratelimit-policy"], '"hour";q=100;w=3600, "minute";q=2;w=60');
    assert.match(String(res.headers.ratelimit), /^"minute";r=1;t=\d+$/);
    await get(guard, "/two");
    const refused = await get(guard, "/two");
    assertTooMany(refused);
    assert.match(String(refused.headers.ratelimit), /^"minute";r=0;t=\d+$/);
  });
});

describe("spike arrest (IN-07)", () => {
  test("a burst beyond perSecond + burst is refused, then admitted again a second later", async () => {
    const guard = await guardWith([
      { path: "/spike", limits: [{ name: "s", spike: { perSecond: 2, burst: 1 } }] },
    ]);
    // Sent at once: which ones pass depends on arrival, how many does not.
    const burst = await Promise.all(Array.from({ length: 6 }, () => get(guard, "/spike")));
    const statuses = burst.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
    const refused = burst.find((r) => r.status === 429) as RawResponse;
    assertTooMany(refused);
    assert.equal(refused.headers["retry-after"], "1");
    assert.equal(refused.headers["ratelimit-policy"], '"s";q=2;w=1');
    assert.match(String(refused.headers.ratelimit), /^"s";r=0;t=1$/);
    assert.equal(upstream.requests.length, 3);
    // The steady counter is a 1-second window: the shortest wait that proves the refill.
    await new Promise((done) => setTimeout(done, 1100));
    assert.equal((await get(guard, "/spike")).status, 200);
    assert.equal((await get(guard, "/spike")).status, 200);
    // The burst (1 per 10 s) is spent: the steady rate is all that is left.
    assert.equal((await get(guard, "/spike")).status, 429);
  });
});

describe("concurrency (IN-07)", () => {
  test("request max+1 is 429 while max are in flight; slots come back after the answers", async () => {
    const guard = await guardWith([{ path: "/slow", limits: [{ name: "c", concurrency: 2 }] }]);
    const gate = holdUpstream();
    const first = [get(guard, "/slow"), get(guard, "/slow")];
    await until(() => upstream.requests.length === 2, "two requests in flight");
    const refused = await get(guard, "/slow");
    assertTooMany(refused);
    assert.equal(refused.headers["retry-after"], "1");
    assert.equal(refused.headers["ratelimit-policy"], '"c";q=2;qu="concurrent-requests"');
    assert.equal(upstream.requests.length, 2);
    gate.release();
    assert.deepEqual(
      (await Promise.all(first)).map((r) => r.status),
      [200, 200],
    );
    upstream.reset();
    assert.equal((await get(guard, "/slow")).status, 200);
  });

  test("a slot is released when a later policy refuses the request (400 JSON too deep)", async () => {
    const guard = await guardWith([
      {
        path: "/orders",
        methods: ["POST"],
        accepts: ["application/json"],
        limits: [{ name: "c", concurrency: 1 }],
      },
    ]);
    const deep = `${"[".repeat(100)}${"]".repeat(100)}`;
    for (let i = 0; i < 3; i++) {
      const res = await send(`${guard.url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: deep,
      });
      assert.equal(res.status, 400, "refused by the JSON depth check, not 429");
    }
    const ok = await send(`${guard.url}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[]",
    });
    assert.equal(ok.status, 200);
  });

  test("a slot is released when the client disconnects before the answer", async () => {
    const guard = await guardWith([{ path: "/slow", limits: [{ name: "c", concurrency: 1 }] }]);
    const gate = holdUpstream();
    const target = new URL(`${guard.url}/slow`);
    const gone = request({
      hostname: target.hostname,
      port: target.port,
      path: "/slow",
      agent: false,
    });
    gone.on("error", () => {});
    gone.end();
    await until(() => upstream.requests.length === 1, "the request in flight");
    assertTooMany(await get(guard, "/slow"));
    gone.destroy();
    // Two access lines: the 429 and the request whose client left (the upstream still holds it).
    await until(
      () => guard.log.lines.filter((l) => l.event === "access").length === 2,
      "the guard to see the client leave",
    );
    gate.release();
    upstream.reset();
    assert.equal((await get(guard, "/slow")).status, 200);
  });
  test("a slot is released when the client leaves while the limits are being checked", async () => {
    // A store that answers `acquire` only when told: the client leaves before it does.
    const memory = createMemoryStore();
    let answer = () => {};
    let asked = false;
    const answered = new Promise<void>((done) => {
      answer = done;
    });
    const slow: GuardStore = {
      ...memory,
      acquire: async (...args) => {
        asked = true;
        await answered;
        return memory.acquire(...args);
      },
    };
    const guard = await guardWith([{ path: "/slow", limits: [{ concurrency: 1 }] }], {}, slow);
    const target = new URL(`${guard.url}/slow`);
    const gone = request({
      hostname: target.hostname,
      port: target.port,
      path: "/slow",
      agent: false,
    });
    gone.on("error", () => {});
    gone.end();
    await until(() => asked, "the slot to be asked for");
    gone.destroy();
    await new Promise((done) => setTimeout(done, 50));
    answer();
    // Nothing shows when the abandoned request is done: ask until its slot is back.
    await until(async () => (await get(guard, "/slow")).status === 200, "the slot to come back");
    assert.equal(upstream.requests.length, 1, "the abandoned request is not forwarded");
  });
});

describe("keys: each client counts on its own", () => {
  test("two API keys have separate counters (key: apiKey)", async () => {
    const guard = await guardWith(
      [
        {
          path: "/keyed",
          public: false,
          limits: [{ key: "apiKey", quota: { requests: 1, windowSeconds: 60 } }],
        },
      ],
      {
        auth: {
          apiKeys: [
            { name: "ci", hash: hashApiKey(KEY_CI) },
            { name: "ops", hash: hashApiKey(KEY_OPS) },
          ],
        },
      },
    );
    assert.equal((await get(guard, "/keyed", { "x-api-key": KEY_CI })).status, 200);
    assertTooMany(await get(guard, "/keyed", { "x-api-key": KEY_CI }));
    assert.equal((await get(guard, "/keyed", { "x-api-key": KEY_OPS })).status, 200);
    assertTooMany(await get(guard, "/keyed", { "x-api-key": KEY_OPS }));
    // A refused credential is a 401 before any counting: never a 429 instead.
    assert.equal((await get(guard, "/keyed", { "x-api-key": "wrong" })).status, 401);
  });

  test("a header key with a different value only counts separately when key is that header", async () => {
    const guard = await guardWith([
      {
        path: "/tenant",
        limits: [{ key: "header:X-Tenant", quota: { requests: 1, windowSeconds: 60 } }],
      },
      { path: "/by-ip", limits: [{ quota: { requests: 1, windowSeconds: 60 } }] },
    ]);
    assert.equal((await get(guard, "/tenant", { "x-tenant": "acme" })).status, 200);
    assertTooMany(await get(guard, "/tenant", { "x-tenant": "acme" }));
    assert.equal((await get(guard, "/tenant", { "x-tenant": "globex" })).status, 200);
    // Without the header the client address counts: dropping it is no way around the limit.
    assert.equal((await get(guard, "/tenant")).status, 200);
    assertTooMany(await get(guard, "/tenant"));
    // A very long value is counted (hashed), not refused or ignored.
    const long = "x".repeat(4000);
    assert.equal((await get(guard, "/tenant", { "x-tenant": long })).status, 200);
    assertTooMany(await get(guard, "/tenant", { "x-tenant": long }));

    assert.equal((await get(guard, "/by-ip", { "x-tenant": "acme" })).status, 200);
    assertTooMany(await get(guard, "/by-ip", { "x-tenant": "globex" }));
  });
});

describe("scope: global", () => {
  test("routes declaring one global limit share its counter; route scope does not", async () => {
    const shared = {
      name: "api",
      scope: "global" as const,
      quota: { requests: 2, windowSeconds: 60 },
    };
    const guard = await guardWith([
      { path: "/a", limits: [shared] },
      { path: "/b", limits: [shared] },
      { path: "/c", limits: [{ name: "api", quota: { requests: 2, windowSeconds: 60 } }] },
    ]);
    assert.equal((await get(guard, "/a")).status, 200);
    assert.equal((await get(guard, "/b")).status, 200);
    assertTooMany(await get(guard, "/a"));
    assertTooMany(await get(guard, "/b"));
    assert.equal((await get(guard, "/c")).status, 200, "a route-scoped limit of the same name");
  });

  test("one global name declared with different numbers is a config problem", () => {
    const routes = [
      {
        path: "/a",
        limits: [
          { name: "api", scope: "global" as const, quota: { requests: 2, windowSeconds: 60 } },
        ],
      },
      {
        path: "/b",
        limits: [
          { name: "api", scope: "global" as const, quota: { requests: 2, windowSeconds: 60 } },
        ],
      },
      {
        path: "/c",
        limits: [
          { name: "api", scope: "global" as const, quota: { requests: 9, windowSeconds: 60 } },
        ],
      },
      { path: "/d", limits: [{ name: "api", quota: { requests: 9, windowSeconds: 60 } }] },
    ];
    assert.throws(
      () => buildRouteTable({ upstream: upstream.url, routes }),
      (error: unknown) => {
        assert.ok(error instanceof RampartError);
        assert.equal(error.code, "ERR_CONFIG_INVALID");
        assert.deepEqual(
          error.problems.map((p) => `${p.path}: ${p.message}`),
          ['/guard/routes: /c: global limit "api" differs from its declaration on /a'],
        );
        return true;
      },
    );
    const agreeing = buildRouteTable({ upstream: upstream.url, routes: routes.slice(0, 2) });
    assert.deepEqual(globalLimitConflicts(agreeing.routes.map((r) => r.spec)), []);
  });
});

describe("bypass attempts", () => {
  test("X-Forwarded-For from an untrusted peer does not reset the per-IP counter", async () => {
    const guard = await guardWith([
      { path: "/quota", limits: [{ quota: { requests: 1, windowSeconds: 60 } }] },
    ]);
    assert.equal((await get(guard, "/quota")).status, 200);
    for (const xff of ["198.51.100.7", "203.0.113.1, 198.51.100.8", "127.0.0.2"])
      assertTooMany(await get(guard, "/quota", { "x-forwarded-for": xff }));
    assert.equal(upstream.requests.length, 1);
  });

  test("X-Forwarded-For from a trusted proxy does name the client (each counted alone)", async () => {
    const guard = await guardWith(
      [{ path: "/quota", limits: [{ quota: { requests: 1, windowSeconds: 60 } }] }],
      { trustedProxies: ["127.0.0.1"] },
    );
    assert.equal((await get(guard, "/quota", { "x-forwarded-for": "198.51.100.7" })).status, 200);
    assertTooMany(await get(guard, "/quota", { "x-forwarded-for": "198.51.100.7" }));
    assert.equal((await get(guard, "/quota", { "x-forwarded-for": "198.51.100.8" })).status, 200);
  });

  test("changing the case of the path does not get a fresh counter", async () => {
    const guard = await guardWith([
      { path: "/quota", limits: [{ quota: { requests: 1, windowSeconds: 60 } }] },
    ]);
    assert.equal((await get(guard, "/quota")).status, 200);
    for (const path of ["/QUOTA", "/Quota", "/quota/", "/%71uota"]) {
      const res = await get(guard, path);
      assert.ok(res.status === 404 || res.status === 429, `${path}: ${res.status}`);
    }
    assert.equal(upstream.requests.length, 1);
  });

  test("HEAD shares the counter of GET", async () => {
    const guard = await guardWith([
      { path: "/quota", limits: [{ quota: { requests: 1, windowSeconds: 60 } }] },
    ]);
    assert.equal((await send(`${guard.url}/quota`, { method: "HEAD" })).status, 200);
    assert.equal((await get(guard, "/quota")).status, 429);
  });
});

describe("store unreachable (onStoreError)", () => {
  function unreachableStore(): GuardStore {
    const fail = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    const limiter = { consume: fail } as unknown as RateLimiterAbstract;
    return {
      ...createMemoryStore(),
      kind: "redis",
      up: false,
      limiter: () => limiter,
      acquire: fail,
    };
  }

  test("closed: 503 problem (never 401), one warning for many requests", async () => {
    const guard = await guardWith(
      [
        {
          path: "/closed",
          limits: [{ quota: { requests: 5, windowSeconds: 60 }, onStoreError: "closed" }],
        },
        { path: "/slots", limits: [{ concurrency: 5, onStoreError: "closed" }] },
      ],
      {},
      unreachableStore(),
    );
    for (let i = 0; i < 3; i++) {
      const res = await get(guard, "/closed");
      assert.equal(res.status, 503);
      assert.equal(res.headers["content-type"], "application/problem+json");
      assert.equal(res.json().detail, "Rate limits cannot be checked right now.");
    }
    assert.equal((await get(guard, "/slots")).status, 503);
    assert.equal(upstream.requests.length, 0);
    const warnings = guard.log.lines.filter((l) => l.event === "rate-limit-store-error");
    assert.equal(warnings.length, 2, "one per limited route, not one per request");
    const metrics = await guard.metrics.registry.metrics();
    assert.match(
      metrics,
      /rampart_guard_store_errors_total\{policy="rate-limit",outcome="closed"\} 4/,
    );
  });

  test("open: requests pass uncounted; memory: concurrency falls back to this process", async () => {
    const guard = await guardWith(
      [
        {
          path: "/open",
          limits: [{ quota: { requests: 1, windowSeconds: 60 }, onStoreError: "open" }],
        },
        { path: "/slots", limits: [{ concurrency: 1, onStoreError: "memory" }] },
      ],
      {},
      unreachableStore(),
    );
    for (let i = 0; i < 3; i++) {
      const res = await get(guard, "/open");
      assert.equal(res.status, 200);
      assert.equal(res.headers.ratelimit, undefined);
    }
    const gate = holdUpstream();
    const held = get(guard, "/slots");
    await until(() => upstream.requests.length === 4, "the request in flight");
    assertTooMany(await get(guard, "/slots"));
    gate.release();
    assert.equal((await held).status, 200);
    upstream.reset();
    assert.equal((await get(guard, "/slots")).status, 200);
    const metrics = await guard.metrics.registry.metrics();
    assert.match(metrics, /outcome="open"\} 3/);
    assert.match(metrics, /outcome="memory"\} 3/);
  });
});

describe("config problems are reported with their path", () => {
  function problemsOf(routes: Routes): string[] {
    try {
      buildRouteTable({ upstream: upstream.url, routes });
    } catch (error) {
      assert.ok(error instanceof RampartError);
      assert.equal(error.code, "ERR_CONFIG_INVALID");
      return error.problems.map((p) => `${p.path}: ${p.message}`);
    }
    return assert.fail("the table was built");
  }

  test("a limit with neither quota, spike nor concurrency", () => {
    const problems = problemsOf([{ path: "/ok" }, { path: "/x", limits: [{}] }]);
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /\/routes\/1: rate-limit: limits\/0: .*quota/);
  });

  test("two limits of one route with the same name", () => {
    const problems = problemsOf([
      {
        path: "/x",
        limits: [
          { name: "a", concurrency: 1 },
          { name: "a", concurrency: 2 },
        ],
      },
    ]);
    assert.match(
      problems.join("\n"),
      /\/routes\/0: rate-limit: limits\/1\/name: "a" is used twice/,
    );
  });

  test("out-of-range numbers, in a table built from code", () => {
    const text = problemsOf([
      { path: "/x", limits: [{ quota: { requests: 0, windowSeconds: 60 } }] },
      { path: "/y", limits: [{ spike: { perSecond: 1.5 } }] },
      { path: "/z", limits: [{ concurrency: 1, key: "cookie" as never }] },
    ]).join("\n");
    assert.match(text, /\/routes\/0: rate-limit: limits\/0\/quota\/requests: /);
    assert.match(text, /\/routes\/1: rate-limit: limits\/0\/spike\/perSecond: /);
    assert.match(text, /\/routes\/2: rate-limit: limits\/0\/key: unknown limit key "cookie"/);
  });

  test("out-of-range numbers and unknown fields in a config file, by the schema", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-limits-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "guard.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        `  upstream: ${upstream.url}`,
        "  routes:",
        "    - path: /x",
        "      limits:",
        "        - quota: { requests: 0, windowSeconds: 60 }",
        "          key: cookie",
        "          colour: blue",
        "",
      ].join("\n"),
    );
    let text = "";
    try {
      await loadGuard({ config: path }, dir);
      assert.fail("the config was accepted");
    } catch (error) {
      assert.ok(error instanceof RampartError, String(error));
      text = error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
    }
    assert.match(text, /\/guard\/routes\/0\/limits\/0\/quota\/requests/);
    assert.match(text, /\/guard\/routes\/0\/limits\/0\/key/);
    assert.match(text, /\/guard\/routes\/0\/limits\/0(\/colour)?: /);
  });
});
