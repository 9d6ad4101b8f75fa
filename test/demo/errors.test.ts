import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { bearer, jsonRequest, login, send, startDemo } from "../helpers/demo-client.js";

const MALFORMED = {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: '{"username": ',
};

describe("errors: status codes and bodies", () => {
  let hardened: DemoApi;
  let disguised: DemoApi;
  let debug: DemoApi;
  let debugCrash: DemoApi;
  let crash: DemoApi;
  before(async () => {
    [hardened, disguised, debug, debugCrash, crash] = await Promise.all([
      startDemo("none"),
      startDemo("errors-as-200"),
      startDemo("debug-mode"),
      startDemo("debug-mode,malformed-input-500"),
      startDemo("malformed-input-500"),
    ]);
  });
  after(() =>
    Promise.all([hardened, disguised, debug, debugCrash, crash].map((api) => api.close())),
  );

  test("errors-as-200 on: an unknown path answers 200 with success false", async () => {
    const res = await send(`${disguised.url}/no/such/path`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    assert.deepEqual(res.json(), {
      success: false,
      error: "The requested resource does not exist.",
    });
  });

  test("errors-as-200 on: malformed JSON (a 400) answers 200 with success false", async () => {
    const res = await send(`${disguised.url}/auth/login`, MALFORMED);
    assert.equal(res.status, 200);
    assert.equal(res.json().success, false);
  });

  test("errors-as-200 on: a handler's 400, 403 and 404 answer 200 with success false", async () => {
    const token = await login(disguised, "alice");
    const invalid = await send(
      `${disguised.url}/api/orders`,
      jsonRequest("POST", { item: "", quantity: 0 }, bearer(token)),
    );
    const forbidden = await send(`${disguised.url}/admin/users`, { headers: bearer(token) });
    const missing = await send(`${disguised.url}/api/orders/nope`, { headers: bearer(token) });
    for (const res of [invalid, forbidden, missing]) {
      assert.equal(res.status, 200);
      assert.equal(res.json().success, false);
      assert.equal(typeof res.json().error, "string");
    }
  });

  test("errors-as-200 on: 401, 405, 406 and 415 keep their status", async () => {
    const unauthenticated = await send(`${disguised.url}/api/users/me`);
    assert.equal(unauthenticated.status, 401);
    assert.ok(unauthenticated.headers["www-authenticate"]);
    assert.equal((await send(`${disguised.url}/health`, { method: "DELETE" })).status, 405);
    const xml = { headers: { Accept: "application/xml" } };
    assert.equal((await send(`${disguised.url}/health`, xml)).status, 406);
    const text = { method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" };
    assert.equal((await send(`${disguised.url}/auth/login`, text)).status, 415);
  });

  test("errors-as-200 off: the same errors answer 404, 400, 403 as problem+json", async () => {
    assert.equal((await send(`${hardened.url}/no/such/path`)).status, 404);
    assert.equal((await send(`${hardened.url}/auth/login`, MALFORMED)).status, 400);
    const token = await login(hardened, "alice");
    const forbidden = await send(`${hardened.url}/admin/users`, { headers: bearer(token) });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers["content-type"], "application/problem+json");
    assert.deepEqual(forbidden.json(), {
      type: "about:blank",
      title: "Forbidden",
      status: 403,
      detail: "This resource requires the admin role.",
    });
  });

  test("debug-mode on: malformed JSON answers with the parser's stack trace", async () => {
    const res = await send(`${debug.url}/auth/login`, MALFORMED);
    assert.equal(res.status, 400);
    const body = res.json();
    assert.equal(body.error, "SyntaxError");
    assert.match(body.stack, /^SyntaxError: /);
    assert.match(body.stack, /\n {4}at JSON\.parse \(<anonymous>\)/);
    assert.match(
      body.stack,
      /\n {4}at .+ \(\/app\/node_modules\/express\/lib\/router\/layer\.js:\d+:\d+\)/,
    );
  });

  test("debug-mode on: a handler fault (GET /api/orders/%ZZ) answers 500 with a stack trace", async () => {
    const res = await send(`${debugCrash.url}/api/orders/%ZZ`);
    assert.equal(res.status, 500);
    const body = res.json();
    assert.equal(body.error, "URIError");
    assert.match(body.stack, /\n {4}at decodeParam \(\/app\/src\/routes\/orders\.js:\d+:\d+\)/);
  });

  test("debug-mode off: a 500 is a generic problem with a correlation id, no stack", async () => {
    const res = await send(`${crash.url}/api/orders/%ZZ`);
    assert.equal(res.status, 500);
    assert.equal(res.headers["content-type"], "application/problem+json");
    const body = res.json();
    assert.equal(body.title, "Internal Server Error");
    assert.match(body.correlationId, /^[0-9a-f-]{36}$/);
    assert.equal(body.instance, `urn:uuid:${body.correlationId}`);
    assert.doesNotMatch(res.body, /URIError|stack|\bat /);
  });

  test("debug-mode on: GET /debug/vars dumps the configuration, the fake db password included", async () => {
    const res = await send(`${debug.url}/debug/vars`);
    assert.equal(res.status, 200);
    const body = res.json();
    assert.equal(body.config.database.password, "demo-db-pass");
    assert.equal(body.env, "development");
  });

  test("debug-mode on: GET /debug/console serves the debug console page", async () => {
    const res = await send(`${debug.url}/debug/console`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.match(res.body, /<title>Interactive Debug Console<\/title>/);
  });

  test("debug-mode off: /debug/vars and /debug/console answer 404", async () => {
    assert.equal((await send(`${hardened.url}/debug/vars`)).status, 404);
    assert.equal((await send(`${hardened.url}/debug/console`)).status, 404);
  });
});
