// Issue 17, causes 5 and 6: what an upstream stack reads under another spelling. CGI, PHP, WSGI
// and Rack turn every header into an HTTP_* variable with "-" as "_", so "X_Forwarded_For" and
// "X-Forwarded-For" are one variable there; proxies and frameworks route by X-Original-URI and its
// family; method-override middleware reads "_method" from the query; PHP folds "." and " " in
// parameter names into "_".
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { guardFor, type RecordingUpstream, startUpstream } from "../guard/helpers.js";
import { send } from "../helpers/demo-client.js";

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    routes: [{ path: "/api/*", methods: ["GET", "POST"], authentication: "upstream" }],
    auth: { forward: { subject: "X-Auth-Subject" } },
  });
  url = guard.url;
  closeGuard = () => guard.close();
});
after(async () => {
  await closeGuard();
  await upstream.close();
});
beforeEach(() => upstream.reset());

/** The header names the upstream received, lower case. */
async function forwardedNames(headers: Record<string, string>): Promise<string[]> {
  const res = await send(`${url}/api/x`, { headers });
  assert.equal(res.status, 200);
  return Object.keys(upstream.requests[0]?.headers ?? {});
}

describe("header aliases (issue 17, cause 5)", () => {
  test("X_Forwarded_For underscore alias is stripped", async () => {
    const names = await forwardedNames({ X_Forwarded_For: "10.0.0.1", "X_Real-IP": "10.0.0.2" });
    assert.ok(!names.includes("x_forwarded_for"), names.join());
    assert.ok(!names.includes("x_real-ip"), names.join());
    assert.equal(upstream.requests[0]?.headers["x-forwarded-for"], "127.0.0.1");
  });

  test("X_HTTP_Method_Override underscore alias is stripped", async () => {
    const names = await forwardedNames({
      X_HTTP_Method_Override: "DELETE",
      "X-HTTP_METHOD": "PUT",
      x_method_override: "PATCH",
    });
    for (const name of ["x_http_method_override", "x-http_method", "x_method_override"])
      assert.ok(!names.includes(name), `${name} reached the upstream`);
  });

  test("an underscore alias of a header the guard forwards an identity in is stripped", async () => {
    const names = await forwardedNames({ X_Auth_Subject: "admin" });
    assert.ok(!names.includes("x_auth_subject"), names.join());
  });

  test("X-Original-URI, X-Forwarded-Uri and X-Forwarded-Prefix are stripped", async () => {
    const names = await forwardedNames({
      "X-Original-URI": "/admin",
      "X-Forwarded-Uri": "/admin",
      "X-Forwarded-Prefix": "/admin",
      X_Original_URL: "/admin",
    });
    for (const name of [
      "x-original-uri",
      "x-forwarded-uri",
      "x-forwarded-prefix",
      "x_original_url",
    ])
      assert.ok(!names.includes(name), `${name} reached the upstream`);
  });

  test("an ordinary underscore header still reaches the upstream", async () => {
    const names = await forwardedNames({ X_Tenant: "acme" });
    assert.ok(names.includes("x_tenant"));
  });

  test("_method query override is refused", async () => {
    for (const query of ["_method=DELETE", "x=1&_METHOD=put", "_method%5B%5D=PATCH"]) {
      const res = await send(`${url}/api/x?${query}`, { method: "POST" });
      assert.equal(res.status, 400, query);
      assert.equal(res.headers["content-type"], "application/problem+json");
    }
    assert.equal(upstream.requests.length, 0);
  });
});

describe("query credentials after name folding and by value shape (issue 17, cause 6)", () => {
  const refused = [
    "access.token=abc",
    "access%20token=abc",
    "access+token=abc",
    "Access-Token=abc",
    "auth[access_token]=abc",
    "access_token[0]=abc",
    "api.key=abc",
    "q=Bearer%20abcdef0123456789",
    "q=bearer+eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    "q=Basic%20YWxpY2U6c2VjcmV0",
    "filter=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    "k=sk_live_0123456789abcdefghijklmn",
    "k=ghp_0123456789abcdefghijklmnopqrstuvwxyz",
  ];
  for (const query of refused)
    test(`${query.split("=")[0]} query parameter is refused (${query})`, async () => {
      const res = await send(`${url}/api/x?${query}`);
      assert.equal(res.status, 400);
      assert.match(res.json().detail, /Authorization header/);
      assert.equal(upstream.requests.length, 0);
    });

  test("access.token query parameter is refused", async () => {
    assert.equal((await send(`${url}/api/x?access.token=abc`)).status, 400);
  });

  test("ordinary parameters pass", async () => {
    const res = await send(
      `${url}/api/x?q=bearer%20of%20news&page.size=10&sort[name]=asc&tokens=3`,
    );
    assert.equal(res.status, 200);
  });
});
