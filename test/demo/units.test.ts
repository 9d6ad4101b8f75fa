import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolveFlaws } from "../../demo/flaws.js";
import { isAccepted, mediaTypeOf, negotiate, parseAccept } from "../../demo/http/negotiation.js";
import { createRateLimiter } from "../../demo/http/rate-limit.js";
import { allowedMethods, createRouter } from "../../demo/http/router.js";
import { createStore, DEMO_USERS, hashPassword, verifyPassword } from "../../demo/store.js";
import type { Route } from "../../demo/types.js";

function luhn(digits: string): boolean {
  let sum = 0;
  for (const [i, c] of [...digits].reverse().entries()) {
    const d = Number(c) * (i % 2 === 1 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return sum % 10 === 0;
}

describe("store", () => {
  test("seeds alice and bob (users) and carol (admin) with published passwords", async () => {
    const store = await createStore(resolveFlaws("none"));
    assert.deepEqual(
      store.users.map((u) => [u.username, u.role, u.email]),
      [
        ["alice", "user", "alice@example.test"],
        ["bob", "user", "bob@example.test"],
        ["carol", "admin", "carol@example.test"],
      ],
    );
    for (const user of store.users) {
      const seed = DEMO_USERS[user.username as keyof typeof DEMO_USERS];
      assert.equal(user.password, seed.password);
      assert.match(
        user.passwordHash,
        /^\$scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
      );
      assert.ok(await verifyPassword(seed.password, user.passwordHash));
      assert.equal(await verifyPassword("wrong", user.passwordHash), false);
      assert.ok(luhn(user.cardNumber), user.cardNumber);
      assert.match(user.apiKey, /^rk_[A-Za-z0-9_-]{32}$/);
      assert.equal(store.findUserByApiKey(user.apiKey), user);
      assert.equal(store.findUserById(user.id), user);
      assert.equal(store.findUserByUsername(user.username), user);
    }
  });

  test("API keys are random per start, ids and passwords stable", async () => {
    const [a, b] = await Promise.all([createStore(new Set()), createStore(new Set())]);
    assert.notEqual(a.users[0]?.apiKey, b.users[0]?.apiKey);
    assert.equal(a.users[0]?.id, b.users[0]?.id);
  });

  test("password hashes are salted", async () => {
    assert.notEqual(await hashPassword("same"), await hashPassword("same"));
  });

  test("sequential-ids: order ids count from 1001; otherwise random UUIDs", async () => {
    const sequential = await createStore(resolveFlaws("sequential-ids"));
    assert.deepEqual(
      sequential.orders.map((o) => o.id),
      ["1001", "1002", "1003", "1004", "1005"],
    );
    assert.equal(sequential.nextOrderId(), "1006");
    const random = await createStore(resolveFlaws("none"));
    assert.match(random.nextOrderId(), /^[0-9a-f-]{36}$/);
    assert.equal(random.orders.length, 5);
  });
});

describe("negotiation", () => {
  test("parseAccept reads q-values and skips malformed ranges", () => {
    assert.deepEqual(parseAccept("text/html;level=1;q=0.5, bogus, */json, application/*;q=0"), [
      { type: "text", subtype: "html", q: 0.5 },
      { type: "application", subtype: "*", q: 0 },
    ]);
  });

  test("negotiate follows RFC 9110 12.5.1 precedence", () => {
    const json = ["application/json"];
    assert.equal(negotiate(json, "application/json"), "application/json");
    assert.equal(negotiate(json, "*/*"), "application/json");
    assert.equal(negotiate(json, "application/*;q=0.2"), "application/json");
    assert.equal(negotiate(json, "text/html"), undefined);
    assert.equal(negotiate(json, "application/*, application/json;q=0"), undefined);
    assert.equal(negotiate(json, "application/json;q=0, */*"), undefined);
    assert.equal(negotiate(json, "application/json;q=0.001"), "application/json");
    assert.equal(
      negotiate(["text/plain", "text/html"], "text/html, text/plain;q=0.5"),
      "text/html",
    );
    assert.equal(negotiate(json, "nonsense"), "application/json");
  });

  test("content types: parameters ignored, +json only when accepted", () => {
    assert.equal(mediaTypeOf("Application/JSON ; charset=UTF-8"), "application/json");
    assert.equal(mediaTypeOf(undefined), undefined);
    assert.ok(isAccepted("application/json", ["application/json"]));
    assert.equal(isAccepted("application/merge-patch+json", ["application/json"]), false);
    assert.ok(isAccepted("application/vnd.demo+json", ["application/*+json"]));
    assert.equal(isAccepted("text/json", ["application/*+json"]), false);
  });
});

describe("router", () => {
  const route = (method: Route["method"], path: string): Route => ({
    method,
    path,
    auth: "none",
    handler: () => ({ status: 200 }),
  });

  test("static segments beat parameters; params stay percent-encoded", () => {
    const router = createRouter([
      route("GET", "/api/users/:id"),
      route("GET", "/api/users/me"),
      route("PATCH", "/api/users/me"),
      route("GET", "/api/users/:id/orders"),
    ]);
    assert.equal(router.match("/api/users/me")?.pattern, "/api/users/me");
    assert.deepEqual(router.match("/api/users/a%20b")?.rawParams, { id: "a%20b" });
    assert.equal(router.match("/api/users/x/orders")?.pattern, "/api/users/:id/orders");
    assert.equal(router.match("/api/users/"), undefined);
    assert.equal(router.match("/api/users/x/"), undefined);
  });

  test("Allow lists HEAD beside GET and OPTIONS last; duplicates are refused", () => {
    const routes = [route("GET", "/a"), route("POST", "/a")];
    assert.deepEqual(allowedMethods(routes), ["GET", "HEAD", "POST", "OPTIONS"]);
    assert.throws(() => createRouter([route("GET", "/a"), route("GET", "/a")]), /duplicate/);
  });
});

describe("rate limiter", () => {
  test("counts per key in fixed windows", () => {
    let t = 0;
    const limiter = createRateLimiter({ limit: 2, windowSeconds: 10 }, () => t);
    assert.equal(limiter.hit("a").remaining, 1);
    assert.equal(limiter.hit("b").remaining, 1);
    assert.equal(limiter.hit("a").allowed, true);
    const refused = limiter.hit("a");
    assert.deepEqual([refused.allowed, refused.headers["Retry-After"]], [false, "10"]);
    t = 10_000;
    assert.equal(limiter.hit("a").allowed, true);
  });
});
