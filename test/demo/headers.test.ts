import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEMO_ALLOWED_ORIGIN } from "../../demo/http/cors.js";
import type { DemoApi } from "../../demo/server.js";
import { bearer, login, send, startDemo } from "../helpers/demo-client.js";

const SECURITY_HEADERS = ["x-content-type-options", "x-frame-options", "content-security-policy"];
const FINGERPRINTS = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"];

describe("response headers", () => {
  let hardened: DemoApi;
  let flawed: DemoApi;
  before(async () => {
    [hardened, flawed] = await Promise.all([
      startDemo("none"),
      startDemo(
        "missing-security-headers,fingerprint-headers,wrong-content-type,permissive-cors,no-cache-control",
      ),
    ]);
  });
  after(() => Promise.all([hardened.close(), flawed.close()]));

  const samples = (api: DemoApi) => [
    send(`${api.url}/health`),
    send(`${api.url}/no/such/path`),
    send(`${api.url}/health`, { method: "DELETE" }),
    send(`${api.url}/static/terms.txt`),
  ];

  test("missing-security-headers off: every response, errors included, has nosniff, DENY and CSP", async () => {
    for (const res of await Promise.all(samples(hardened))) {
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      assert.equal(res.headers["x-frame-options"], "DENY");
      assert.equal(
        res.headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
  });

  test("missing-security-headers on: no response has them", async () => {
    for (const res of await Promise.all(samples(flawed))) {
      for (const name of SECURITY_HEADERS) assert.equal(res.headers[name], undefined, name);
    }
  });

  test("fingerprint-headers on: Server, X-Powered-By and X-AspNet-Version name the stack", async () => {
    for (const res of await Promise.all(samples(flawed))) {
      assert.equal(res.headers.server, "Apache/2.4.41 (Ubuntu)");
      assert.equal(res.headers["x-powered-by"], "Express 4.17.1");
      assert.equal(res.headers["x-aspnet-version"], "4.0.30319");
    }
  });

  test("fingerprint-headers off: no Server, X-Powered-By or X-AspNet(Mvc)-Version at all", async () => {
    const responses = await Promise.all([
      ...samples(hardened),
      send(`${hardened.url}/health`, { method: "TRACK" }),
    ]);
    for (const res of responses) {
      for (const name of FINGERPRINTS) assert.equal(res.headers[name], undefined, name);
    }
  });

  test("wrong-content-type on: JSON bodies, problems included, are declared text/html", async () => {
    const ok = await send(`${flawed.url}/health`);
    assert.equal(ok.headers["content-type"], "text/html; charset=utf-8");
    assert.deepEqual(ok.json(), { status: "ok" });
    const missing = await send(`${flawed.url}/no/such/path`);
    assert.equal(missing.headers["content-type"], "text/html; charset=utf-8");
  });

  test("wrong-content-type off: JSON as application/json, problems as application/problem+json", async () => {
    const ok = await send(`${hardened.url}/health`);
    assert.equal(ok.headers["content-type"], "application/json; charset=utf-8");
    const missing = await send(`${hardened.url}/no/such/path`);
    assert.equal(missing.headers["content-type"], "application/problem+json");
    const text = await send(`${hardened.url}/static/terms.txt`);
    assert.equal(text.headers["content-type"], "text/plain; charset=utf-8");
  });

  test("permissive-cors on: any Origin is reflected with credentials allowed", async () => {
    const res = await send(`${flawed.url}/health`, { headers: { Origin: "https://evil.example" } });
    assert.equal(res.headers["access-control-allow-origin"], "https://evil.example");
    assert.equal(res.headers["access-control-allow-credentials"], "true");
  });

  test("permissive-cors on: Origin null is reflected too", async () => {
    const res = await send(`${flawed.url}/health`, { headers: { Origin: "null" } });
    assert.equal(res.headers["access-control-allow-origin"], "null");
    assert.equal(res.headers["access-control-allow-credentials"], "true");
  });

  test("permissive-cors on: a preflight from any origin is approved as asked", async () => {
    const res = await send(`${flawed.url}/api/orders`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization, x-custom",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers["access-control-allow-origin"], "https://evil.example");
    assert.equal(res.headers["access-control-allow-methods"], "DELETE");
    assert.equal(res.headers["access-control-allow-headers"], "authorization, x-custom");
  });

  test("permissive-cors off: another origin gets no CORS headers, and Vary: Origin", async () => {
    for (const origin of ["https://evil.example", "null"]) {
      const res = await send(`${hardened.url}/health`, { headers: { Origin: origin } });
      assert.equal(res.headers["access-control-allow-origin"], undefined);
      assert.equal(res.headers["access-control-allow-credentials"], undefined);
      assert.equal(res.headers.vary, "Origin");
    }
  });

  test("permissive-cors off: the allow-listed origin gets CORS headers", async () => {
    const res = await send(`${hardened.url}/health`, { headers: { Origin: DEMO_ALLOWED_ORIGIN } });
    assert.equal(res.headers["access-control-allow-origin"], DEMO_ALLOWED_ORIGIN);
    assert.equal(res.headers["access-control-allow-credentials"], "true");
    assert.equal(res.headers.vary, "Origin");
  });

  test("permissive-cors off: a preflight from another origin gets 204 without CORS headers", async () => {
    const res = await send(`${hardened.url}/api/orders`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers["access-control-allow-origin"], undefined);
    assert.equal(res.headers["access-control-allow-methods"], undefined);
  });

  test("permissive-cors off: a preflight from the allowed origin lists the resource's methods", async () => {
    const res = await send(`${hardened.url}/api/orders`, {
      method: "OPTIONS",
      headers: { Origin: DEMO_ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers["access-control-allow-origin"], DEMO_ALLOWED_ORIGIN);
    assert.equal(res.headers["access-control-allow-methods"], "GET, HEAD, POST, OPTIONS");
    assert.equal(
      res.headers["access-control-allow-headers"],
      "Authorization, Content-Type, X-API-Key",
    );
  });

  test("no-cache-control off: authenticated responses carry Cache-Control: no-store", async () => {
    const token = await login(hardened, "alice");
    const res = await send(`${hardened.url}/api/users/me`, { headers: bearer(token) });
    assert.equal(res.status, 200);
    assert.equal(res.headers["cache-control"], "no-store");
  });

  test("no-cache-control on: authenticated responses carry no Cache-Control", async () => {
    const token = await login(flawed, "alice");
    const res = await send(`${flawed.url}/api/users/me`, { headers: bearer(token) });
    assert.equal(res.status, 200);
    assert.equal(res.headers["cache-control"], undefined);
  });
});
