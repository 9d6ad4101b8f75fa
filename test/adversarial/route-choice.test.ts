// Issue 17, cause 1 (route choice): most upstreams serve "/p/" as "/p" (Express, Django with
// APPEND_SLASH, Spring before 6), while a router matches "/p/" against a sibling "/p/:id" with
// an empty value or a "/*" catch-all. The guard applies one trailing-slash policy before routing,
// so that the route whose policies apply is the one the upstream will serve.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { guarded } from "../guard/helpers.js";
import { send } from "../helpers/demo-client.js";

// /api/users is for the office network only; a user's own record is public.
const SIBLINGS: Omit<GuardConfig, "upstream" | "listen"> = {
  routes: [
    { path: "/api/users", allowFrom: ["10.0.0.0/8"], authentication: "upstream" },
    { path: "/api/users/:id", public: true },
  ],
};

describe("trailing slash (issue 17, cause 1: route choice)", () => {
  test("trailing slash does not pick a sibling route's policy (allow-list bypass)", async (t) => {
    const { url, upstream } = await guarded(t, SIBLINGS);
    const res = await send(`${url}/api/users/`);
    assert.equal(res.status, 403);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(upstream.requests.length, 0);
  });

  test("trailing slash does not escape a login route's lockout through a catch-all", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        {
          path: "/login",
          methods: ["POST"],
          public: true,
          lockout: { username: { json: "/username" }, maxConsecutiveFailures: 2 },
        },
        { path: "/*", methods: ["GET", "POST"], public: true },
      ],
    });
    upstream.reply = () => ({ status: 401, headers: { "content-type": "application/json" } });
    const attempt = (path: string) =>
      send(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"username":"alice","password":"wrong"}',
      });
    assert.equal((await attempt("/login")).status, 401);
    assert.equal((await attempt("/login/")).status, 401);
    assert.equal((await attempt("/login/")).status, 429, "the slash form counts in the same jail");
    assert.deepEqual(
      upstream.requests.map((r) => r.url),
      ["/login", "/login"],
      "the upstream gets the canonical path",
    );
  });

  test("the default strips the slash and forwards the parent path with its query", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [{ path: "/api/users", public: true }],
    });
    const res = await send(`${url}/api/users/?page=2`);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.url, "/api/users?page=2");
    assert.equal((await send(`${url}/`)).status, 404, "the root stays the root");
  });

  test("trailingSlash: redirect answers 308 to the path without the slash", async (t) => {
    const { url, upstream } = await guarded(t, {
      defaults: { policies: { normalize: { trailingSlash: "redirect" } } },
      ...SIBLINGS,
    });
    const res = await send(`${url}/api/users/?q=1`);
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, "/api/users?q=1");
    assert.equal(upstream.requests.length, 0);
  });

  test("trailingSlash: refuse answers 404 for any path ending in a slash", async (t) => {
    const { url, upstream } = await guarded(t, {
      defaults: { policies: { normalize: { trailingSlash: "refuse" } } },
      ...SIBLINGS,
    });
    const res = await send(`${url}/api/users/`);
    assert.equal(res.status, 404);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(upstream.requests.length, 0);
  });

  test("a static route declared with its slash keeps it; a parametric one is a config problem", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        { path: "/files/", public: true },
        { path: "/files", allowFrom: ["10.0.0.0/8"] },
      ],
    });
    assert.equal((await send(`${url}/files/`)).status, 200);
    assert.equal(upstream.requests[0]?.url, "/files/");
    assert.throws(
      () =>
        buildRouteTable({
          upstream: "http://127.0.0.1:9",
          routes: [{ path: "/files/:dir/", public: true }],
        }),
      (error: Error & { code?: string; problems?: unknown }) => {
        assert.equal(error.code, "ERR_CONFIG_INVALID");
        assert.match(JSON.stringify(error.problems), /trailing slash/);
        return true;
      },
    );
  });
});

// Found by the differential suite (differential.test.ts, "path forms"): Express, ASP.NET and IIS
// route case-insensitively, so "/ADMIN" is their "/admin"; the guard matched it against a public
// catch-all instead, and the admin area's allow-list never applied. A path whose case-folded
// route differs from its exact one is now refused.
describe("path case (issue 17, cause 1: route choice)", () => {
  test("upper-case path does not escape to a public catch-all (allow-list bypass)", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        { path: "/admin", allowFrom: ["10.0.0.0/8"], authentication: "upstream" },
        { path: "/*", public: true },
      ],
    });
    for (const path of ["/ADMIN", "/Admin", "/aDmIn/"]) {
      const res = await send(`${url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers["content-type"], "application/problem+json");
    }
    assert.equal(upstream.requests.length, 0);
  });

  test("upper-case path does not escape a parameter route to a catch-all", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        { path: "/files/:name", allowFrom: ["10.0.0.0/8"], authentication: "upstream" },
        { path: "/*", public: true },
      ],
    });
    assert.equal((await send(`${url}/FILES/a.txt`)).status, 404);
    assert.equal(upstream.requests.length, 0);
  });

  test("paths whose case picks no other route keep their case on the way upstream", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        { path: "/files/:name", public: true },
        { path: "/Reports", public: true },
        { path: "/*", public: true },
      ],
    });
    for (const path of ["/files/ReadMe.TXT", "/Docs/Intro", "/Reports"])
      assert.equal((await send(`${url}${path}`)).status, 200, path);
    assert.equal((await send(`${url}/reports`)).status, 404, "a declared upper-case route too");
    assert.deepEqual(
      upstream.requests.map((r) => r.url),
      ["/files/ReadMe.TXT", "/Docs/Intro", "/Reports"],
    );
  });
});
