import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { send } from "../helpers/demo-client.js";
import {
  guardFor,
  type RecordingUpstream,
  rawRequest,
  sendPath,
  startUpstream,
} from "./helpers.js";

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    defaults: { authentication: "upstream", methods: ["GET", "POST"] },
    routes: [
      { path: "/api/users/:id" },
      { path: "/api/orders" },
      { path: "/public/:file", public: true },
    ],
  });
  url = guard.url;
  closeGuard = () => guard.close();
});
after(async () => {
  await closeGuard();
  await upstream.close();
});
beforeEach(() => upstream.reset());

describe("request normalisation: refused before anything reaches the upstream", () => {
  const bypasses: [string, string][] = [
    ["encoded slash", "/api/users/1%2f..%2fadmin"],
    ["encoded slash, lower and upper case", "/api/users/1%2F2"],
    ["encoded dot segment", "/api/users/%2e%2e/orders"],
    ["encoded dot, upper case", "/api/users/%2E"],
    ["double encoding of a slash", "/api/users/1%252fadmin"],
    ["double encoding of a dot", "/api/users/%252e%252e"],
    ["encoded NUL", "/api/users/1%00.json"],
    ["encoded backslash", "/api/users/1%5c..%5cadmin"],
    ["raw backslash", "/api/users/1\\..\\admin"],
    ["dot-dot segment", "/api/users/../orders"],
    ["dot segment", "/api/./orders"],
    ["trailing dot in a segment", "/api/orders."],
    ["trailing dot in a parameter", "/api/users/1."],
    ["empty segment (double slash)", "/api//orders"],
    ["leading double slash", "//api/orders"],
    ["path parameter with ;", "/api/orders;jsessionid=1"],
    ["matrix parameter hiding a traversal", "/api/users/1;/../../orders"],
    ["invalid percent-encoding", "/api/users/%zz"],
    ["truncated percent-encoding", "/api/users/%4"],
    ["overlong UTF-8 encoding of a dot", "/api/users/%c0%ae%c0%ae"],
  ];
  for (const [name, path] of bypasses) {
    test(`bypass attempt: ${name} (${path}) is refused with 400 or 404`, async () => {
      const res = await sendPath(url, path);
      assert.ok(res.status === 400 || res.status === 404, `${path}: got ${res.status}`);
      assert.equal(res.headers["content-type"], "application/problem+json");
      assert.equal(upstream.requests.length, 0, `${path} reached the upstream`);
    });
  }

  test("an overlong request target is refused with 414", async () => {
    const res = await send(`${url}/api/users/${"a".repeat(3000)}`);
    assert.equal(res.status, 414);
    assert.equal(upstream.requests.length, 0);
  });

  test("a request target in absolute form is refused", async () => {
    const res = await rawRequest(
      url,
      "GET http://internal.invalid/api/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("request smuggling: Content-Length with Transfer-Encoding is refused", async () => {
    const res = await rawRequest(
      url,
      "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
    );
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("duplicate headers: two Content-Type headers are refused", async () => {
    const res = await rawRequest(
      url,
      "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: application/xml\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("duplicate headers: two Authorization headers are refused", async () => {
    const res = await rawRequest(
      url,
      "GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n",
    );
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("more header fields than allowed are refused with 431", async () => {
    const headers = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`x-h${i}`, "v"]));
    const res = await send(`${url}/api/orders`, { headers });
    assert.equal(res.status, 431);
    assert.equal(upstream.requests.length, 0);
  });
});

describe("request normalisation: canonical requests pass untouched", () => {
  test("a plain path and its query reach the upstream as sent", async () => {
    const res = await send(`${url}/api/users/42?fields=name&page=2`);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.url, "/api/users/42?fields=name&page=2");
  });

  test("percent-encoded unreserved characters are decoded before routing (RFC 3986 6.2.2.2)", async () => {
    const res = await send(`${url}/api/%6Frders`);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.url, "/api/orders");
  });

  test("other escapes pass with upper-case hex (a space in a file name)", async () => {
    const res = await send(`${url}/public/my%20file.txt`);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.url, "/public/my%20file.txt");
  });

  test("a dot inside a segment is not a dot segment", async () => {
    const res = await send(`${url}/public/report.v2.json`);
    assert.equal(res.status, 200);
  });

  test("method-override headers are stripped, the method is unchanged", async () => {
    const res = await send(`${url}/api/orders`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-HTTP-Method-Override": "DELETE",
        "X-HTTP-Method": "DELETE",
        "X-Method-Override": "DELETE",
      },
      body: "{}",
    });
    assert.equal(res.status, 200);
    const seen = upstream.requests[0];
    assert.equal(seen?.method, "POST");
    assert.equal(seen?.headers["x-http-method-override"], undefined);
    assert.equal(seen?.headers["x-http-method"], undefined);
    assert.equal(seen?.headers["x-method-override"], undefined);
  });

  test("a chunked body without Content-Length passes", async () => {
    const res = await rawRequest(
      url,
      "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    );
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.body, "{}");
  });
});

describe("forwarding from a peer that is not a trusted proxy", () => {
  test("bypass attempt: client-address claims (Forwarded, X-Real-IP, X-Forwarded-For) are replaced or dropped", async () => {
    const res = await send(`${url}/api/orders`, {
      headers: {
        Forwarded: "for=10.0.0.1",
        "X-Real-IP": "10.0.0.1",
        "True-Client-IP": "10.0.0.1",
        "X-Forwarded-For": "10.0.0.1",
        "X-Forwarded-Proto": "https",
      },
    });
    assert.equal(res.status, 200);
    const seen = upstream.requests[0]?.headers ?? {};
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen["x-real-ip"], undefined);
    assert.equal(seen["true-client-ip"], undefined);
    assert.equal(seen["x-forwarded-for"], "127.0.0.1");
    assert.equal(seen["x-forwarded-proto"], "http");
  });
});
