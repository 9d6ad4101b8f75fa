import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEFAULT_RATE_LIMIT } from "../../demo/http/rate-limit.js";
import type { DemoApi } from "../../demo/server.js";
import { startDemoApi } from "../../demo/server.js";
import { send } from "../helpers/demo-client.js";

describe("rate limiting (no-rate-limit)", () => {
  let clock = Date.parse("2025-01-01T00:00:00Z");
  const now = () => clock;
  let hardened: DemoApi;
  let flawed: DemoApi;
  let defaults: DemoApi;
  before(async () => {
    const rateLimit = { limit: 3, windowSeconds: 10 };
    [hardened, flawed, defaults] = await Promise.all([
      startDemoApi({ flaws: "none", rateLimit, now }),
      startDemoApi({ flaws: "no-rate-limit", rateLimit, now }),
      startDemoApi({ flaws: "none", now }),
    ]);
  });
  after(() => Promise.all([hardened.close(), flawed.close(), defaults.close()]));

  test("the defaults are 100 requests per 10 s, announced in RateLimit-Policy", async () => {
    assert.deepEqual(DEFAULT_RATE_LIMIT, { limit: 100, windowSeconds: 10 });
    const res = await send(`${defaults.url}/health`);
    assert.equal(res.headers["ratelimit-policy"], "100;w=10");
    assert.equal(res.headers.ratelimit, "limit=100, remaining=99, reset=10");
  });

  test("no-rate-limit off: responses under the limit carry RateLimit headers, counting down", async () => {
    const first = await send(`${hardened.url}/`);
    assert.equal(first.status, 200);
    assert.equal(first.headers["ratelimit-policy"], "3;w=10");
    assert.equal(first.headers.ratelimit, "limit=3, remaining=2, reset=10");
    clock += 4000;
    const second = await send(`${hardened.url}/`);
    assert.equal(second.headers.ratelimit, "limit=3, remaining=1, reset=6");
  });

  test("no-rate-limit off: past the limit, 429 with Retry-After, until the window resets", async () => {
    clock += 10_000;
    for (let i = 0; i < 3; i++) assert.equal((await send(`${hardened.url}/health`)).status, 200);
    clock += 2500;
    const refused = await send(`${hardened.url}/health`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers["retry-after"], "8");
    assert.equal(refused.headers.ratelimit, "limit=3, remaining=0, reset=8");
    assert.equal(refused.headers["content-type"], "application/problem+json");
    assert.equal(refused.json().status, 429);
    clock += 7500;
    assert.equal((await send(`${hardened.url}/health`)).status, 200);
  });

  test("no-rate-limit off: the window is per path template, not per URL", async () => {
    clock += 10_000;
    for (const file of ["logo.txt", "terms.txt", "db-backup-2024.sql.txt"]) {
      assert.equal((await send(`${hardened.url}/static/${file}`)).status, 200);
    }
    assert.equal((await send(`${hardened.url}/static/logo.txt`)).status, 429);
    assert.equal((await send(`${hardened.url}/openapi.json`)).status, 200);
  });

  test("no-rate-limit on: no 429 and no RateLimit headers, however many requests", async () => {
    for (let i = 0; i < 10; i++) {
      const res = await send(`${flawed.url}/health`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.ratelimit, undefined);
      assert.equal(res.headers["ratelimit-policy"], undefined);
      assert.equal(res.headers["retry-after"], undefined);
    }
  });
});
