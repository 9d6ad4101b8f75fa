import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { send, startDemo } from "../helpers/demo-client.js";

const ALICE = JSON.stringify({ username: "alice", password: DEMO_USERS.alice.password });

describe("pipeline: methods", () => {
  let hardened: DemoApi;
  let anyMethod: DemoApi;
  let override: DemoApi;
  before(async () => {
    [hardened, anyMethod, override] = await Promise.all([
      startDemo("none"),
      startDemo("any-method"),
      startDemo("method-override"),
    ]);
  });
  after(() => Promise.all([hardened.close(), anyMethod.close(), override.close()]));

  test("any-method on: DELETE /health answers 200 like GET", async () => {
    const res = await send(`${anyMethod.url}/health`, { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: "ok" });
  });

  test("any-method off: DELETE /health answers 405 with Allow: GET, HEAD, OPTIONS", async () => {
    const res = await send(`${hardened.url}/health`, { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "GET, HEAD, OPTIONS");
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(res.json().status, 405);
  });

  test("any-method off: 405 lists every method of the resource", async () => {
    const res = await send(`${hardened.url}/api/orders/x`, { method: "PUT" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
  });

  test("any-method on: TRACE echoes the request, headers included, as message/http", async () => {
    const res = await send(`${anyMethod.url}/health?x=1`, {
      method: "TRACE",
      headers: { "X-Probe": "trace-me", Authorization: "Bearer secret-token" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "message/http");
    assert.match(res.body, /^TRACE \/health\?x=1 HTTP\/1\.1\r\n/);
    assert.match(res.body, /\r\nX-Probe: trace-me\r\n/);
    assert.match(res.body, /\r\nAuthorization: Bearer secret-token\r\n/);
  });

  test("any-method off: TRACE answers 405", async () => {
    const res = await send(`${hardened.url}/health`, { method: "TRACE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "GET, HEAD, OPTIONS");
    assert.doesNotMatch(res.body, /TRACE \/health/);
  });

  test("TRACK, unknown to node's parser, answers 501 Not Implemented with the policy headers", async () => {
    for (const api of [hardened, anyMethod]) {
      const res = await send(`${api.url}/health`, { method: "TRACK" });
      assert.equal(res.status, 501);
    }
    const res = await send(`${hardened.url}/health`, { method: "TRACK" });
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["content-type"], "application/problem+json");
  });

  test("HEAD works for GET routes in both modes: headers of the GET, no body", async () => {
    for (const api of [hardened, anyMethod]) {
      const get = await send(`${api.url}/health`);
      const head = await send(`${api.url}/health`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.body, "");
      assert.equal(head.headers["content-length"], get.headers["content-length"]);
      assert.equal(head.headers["content-type"], get.headers["content-type"]);
    }
  });

  test("OPTIONS answers 204 with Allow, and Accept-Post / Accept-Patch where bodies are taken", async () => {
    const health = await send(`${hardened.url}/health`, { method: "OPTIONS" });
    assert.equal(health.status, 204);
    assert.equal(health.headers.allow, "GET, HEAD, OPTIONS");
    const orders = await send(`${hardened.url}/api/orders`, { method: "OPTIONS" });
    assert.equal(orders.headers.allow, "GET, HEAD, POST, OPTIONS");
    assert.equal(orders.headers["accept-post"], "application/json");
    const me = await send(`${hardened.url}/api/users/me`, { method: "OPTIONS" });
    assert.equal(me.headers["accept-patch"], "application/json, application/merge-patch+json");
  });

  test("any-method on: OPTIONS claims every method, TRACE included", async () => {
    const res = await send(`${anyMethod.url}/health`, { method: "OPTIONS" });
    assert.equal(res.status, 204);
    assert.equal(res.headers.allow, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE");
  });

  test("an unknown path answers 404 in both modes, whatever the method", async () => {
    for (const api of [hardened, anyMethod]) {
      const res = await send(`${api.url}/no/such/path`, { method: "DELETE" });
      assert.equal(res.status, 404);
    }
  });

  test("method-override on: POST /health with X-HTTP-Method-Override: GET answers 200", async () => {
    const res = await send(`${override.url}/health`, {
      method: "POST",
      headers: { "X-HTTP-Method-Override": "GET" },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: "ok" });
  });

  test("method-override on: X-HTTP-Method, X-Method-Override and ?_method= work too", async () => {
    for (const headers of [{ "X-HTTP-Method": "GET" }, { "X-Method-Override": "get" }] as Record<
      string,
      string
    >[]) {
      const res = await send(`${override.url}/health`, { method: "POST", headers });
      assert.equal(res.status, 200);
    }
    const query = await send(`${override.url}/health?_method=GET`, { method: "POST" });
    assert.equal(query.status, 200);
  });

  test("method-override off: the override headers are ignored, POST /health answers 405", async () => {
    for (const headers of [
      { "X-HTTP-Method-Override": "GET" },
      { "X-HTTP-Method": "GET" },
    ] as Record<string, string>[]) {
      const res = await send(`${hardened.url}/health`, { method: "POST", headers });
      assert.equal(res.status, 405);
    }
    const query = await send(`${hardened.url}/health?_method=GET`, { method: "POST" });
    assert.equal(query.status, 405);
  });
});

describe("pipeline: negotiation, content type, body", () => {
  let hardened: DemoApi;
  let lax: DemoApi;
  let crash: DemoApi;
  before(async () => {
    [hardened, lax, crash] = await Promise.all([
      startDemo("none"),
      startDemo("no-406,no-415,unbounded-input"),
      startDemo("malformed-input-500"),
    ]);
  });
  after(() => Promise.all([hardened.close(), lax.close(), crash.close()]));

  test("no-406 off: Accept: application/xml on a JSON resource answers 406 problem", async () => {
    const res = await send(`${hardened.url}/health`, { headers: { Accept: "application/xml" } });
    assert.equal(res.status, 406);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.deepEqual(res.json().available, ["application/json"]);
  });

  test("no-406 off: q=0 excludes a type, even under a wildcard", async () => {
    const res = await send(`${hardened.url}/health`, {
      headers: { Accept: "*/*, application/json;q=0" },
    });
    assert.equal(res.status, 406);
  });

  test("no-406 off: wildcards, q-values and parameters are understood", async () => {
    for (const accept of [
      "*/*",
      "application/*",
      "*/*;q=0.1",
      "text/html, application/json;q=0.5",
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
    ]) {
      const res = await send(`${hardened.url}/health`, { headers: { Accept: accept } });
      assert.equal(res.status, 200, accept);
    }
  });

  test("no-406 on: Accept: application/xml gets JSON anyway", async () => {
    const res = await send(`${lax.url}/health`, { headers: { Accept: "application/xml" } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
  });

  test("no-415 off: a text/plain body answers 415 with Accept-Post", async () => {
    const res = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: ALICE,
    });
    assert.equal(res.status, 415);
    assert.equal(res.headers["accept-post"], "application/json");
    assert.equal(res.headers["content-type"], "application/problem+json");
  });

  test("no-415 off: a body without Content-Type, or of another +json type, answers 415", async () => {
    const bare = await send(`${hardened.url}/auth/login`, { method: "POST", body: ALICE });
    assert.equal(bare.status, 415);
    const vendor = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.demo+json" },
      body: ALICE,
    });
    assert.equal(vendor.status, 415);
  });

  test("no-415 off: PATCH with the wrong type answers 415 with Accept-Patch (RFC 5789)", async () => {
    const res = await send(`${hardened.url}/api/users/me`, {
      method: "PATCH",
      headers: { "Content-Type": "application/xml" },
      body: "<user/>",
    });
    assert.equal(res.status, 415);
    assert.equal(res.headers["accept-patch"], "application/json, application/merge-patch+json");
  });

  test("no-415 off: application/json with a charset parameter is accepted", async () => {
    const res = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: ALICE,
    });
    assert.notEqual(res.status, 415);
  });

  test("no-415 on: a text/plain body is parsed as JSON and the login succeeds", async () => {
    const res = await send(`${lax.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: ALICE,
    });
    assert.equal(res.status, 200);
    assert.equal(typeof res.json().access_token, "string");
  });

  test("malformed-input-500 off: malformed JSON answers 400 problem, no internals", async () => {
    const res = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"username": "alice",',
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(res.json().detail, "The request body is not valid JSON.");
    assert.doesNotMatch(res.body, /SyntaxError|at JSON\.parse/);
  });

  test("unbounded-input off: JSON nested 33 deep answers 400 naming the nesting, 32 deep reaches the login", async () => {
    const deep = (levels: number) =>
      `{"username":${"[".repeat(levels - 1)}"alice"${"]".repeat(levels - 1)},"password":"x"}`;
    const refused = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: deep(33),
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.json().detail, "The JSON body is nested deeper than 32 levels.");
    const taken = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: deep(32),
    });
    // The login read it: its own answer, not the pipeline's refusal.
    assert.notEqual(taken.json().detail, "The JSON body is nested deeper than 32 levels.");
    assert.equal(taken.status, 400);
  });

  test("unbounded-input off: brackets inside strings are not nesting", async () => {
    const res = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "alice", password: `\\"${"[{".repeat(100)}` }),
    });
    assert.equal(res.status, 401);
  });

  test("unbounded-input on: JSON nested 10,000 deep is parsed (the flaw)", async () => {
    const res = await send(`${lax.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: `{"username":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
    });
    assert.equal(res.status, 400);
    assert.doesNotMatch(String(res.json().detail), /nested/);
  });

  test("malformed-input-500 on: malformed JSON answers 500", async () => {
    const res = await send(`${crash.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"username": "alice",',
    });
    assert.equal(res.status, 500);
    assert.equal(res.json().title, "Internal Server Error");
  });

  test("malformed-input-500 on: a bad percent-encoding in the path answers 500", async () => {
    const res = await send(`${crash.url}/static/%ZZ`);
    assert.equal(res.status, 500);
  });

  test("malformed-input-500 off: a bad percent-encoding in the path answers 400", async () => {
    const res = await send(`${hardened.url}/static/%ZZ`);
    assert.equal(res.status, 400);
    assert.equal(res.json().detail, "The path contains an invalid percent-encoding.");
  });

  test("unbounded-input off: a 100 KiB body answers 413 problem", async () => {
    const body = JSON.stringify({ username: "alice", password: "x".repeat(100 * 1024) });
    const res = await send(`${hardened.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers["content-type"], "application/problem+json");
  });

  test("unbounded-input on: a 100 KiB body is read and handled", async () => {
    const body = JSON.stringify({ username: "alice", password: "x".repeat(100 * 1024) });
    const res = await send(`${lax.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    assert.notEqual(res.status, 413);
  });

  test("unbounded-input on: a declared body over the 10 MiB hard cap still answers 413", async () => {
    const res = await send(`${lax.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(11 * 1024 * 1024) },
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, "close");
  });
});
