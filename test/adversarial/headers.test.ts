// Header abuse (RFC 9110 section 5 and 7.6.1, RFC 9112 section 3 and 5.2): oversized and
// repeated fields, obsolete line folding, hop-by-hop smuggling through Connection, HTTP/1.0 and
// absolute-form targets. Cases marked "proof" first show the bytes reaching a permissive
// upstream with no guard in front.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  API_KEY,
  assertProblem,
  assertRefusedOrClosed,
  bypassSuite,
  exchange,
  firstAnswer,
  http11,
} from "./fixture.js";

const suite = bypassSuite({ maxHeaderSize: 64 * 1024 });

describe("oversized, numerous and repeated header fields", () => {
  test("a huge header (over maxHeaderBytes) is 431 and closed (proof: a larger-limit upstream takes it)", async () => {
    const bytes = http11("GET", "/public/a", [
      `X-Big: ${"a".repeat(17 * 1024)}`,
      "Connection: close",
    ]);
    assert.deepEqual(await suite.withoutGuard(bytes), ["/public/a"]);
    const ex = await exchange(suite.target.url, bytes);
    assertRefusedOrClosed(ex, 431);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("too many header fields are 431 problem+json (proof: the unguarded upstream takes them)", async () => {
    const lines = Array.from({ length: 150 }, (_, i) => `X-H${i}: v`);
    const bytes = http11("GET", "/public/a", [...lines, "Connection: close"]);
    assert.deepEqual(await suite.withoutGuard(bytes), ["/public/a"]);
    const ex = await exchange(suite.target.url, bytes);
    assertProblem(firstAnswer(ex), 431);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("a duplicated Host is refused (proof: the unguarded upstream picks one)", async () => {
    const bytes = http11("GET", "/public/a", ["Host: evil.test", "Connection: close"]);
    assert.deepEqual(await suite.withoutGuard(bytes), ["/public/a"]);
    const ex = await exchange(suite.target.url, bytes);
    assertProblem(firstAnswer(ex), 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("a duplicated Authorization is refused", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/public/a", [
        "Authorization: Bearer a",
        "authorization: Bearer b",
        "Connection: close",
      ]),
    );
    assertProblem(firstAnswer(ex), 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("a duplicated API key header is refused or never authenticates", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/private", [`X-Api-Key: ${API_KEY}`, "X-Api-Key: other", "Connection: close"]),
    );
    assertRefusedOrClosed(ex);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("obsolete line folding (obs-fold) is 400 and closed (proof: a lenient upstream unfolds it)", async () => {
    const bytes = http11("GET", "/public/a", ["X-A: one", " two", "Connection: close"]);
    assert.deepEqual(await suite.withoutGuard(bytes), ["/public/a"]);
    const ex = await exchange(suite.target.url, bytes);
    assertRefusedOrClosed(ex, 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("obs-fold continuing a Transfer-Encoding is refused", async () => {
    const ex = await exchange(
      suite.target.url,
      http11(
        "POST",
        "/api/items",
        [
          "Content-Type: application/json",
          "Content-Length: 2",
          "Transfer-Encoding: identity",
          " chunked",
          "Connection: close",
        ],
        "{}",
      ),
    );
    assertRefusedOrClosed(ex, 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });
});

describe("path overrides in headers", () => {
  for (const name of ["X-Original-URL", "X-Rewrite-URL"])
    test(`${name}: /admin on a public request is stripped (proof: an IIS or Symfony upstream routes by it)`, async () => {
      const bytes = http11("GET", "/public/a", [`${name}: /admin`, "Connection: close"]);
      assert.deepEqual(await suite.withoutGuard(bytes), ["/admin"]);
      const ex = await exchange(suite.target.url, bytes);
      assert.deepEqual(
        ex.responses.map((r) => r.status),
        [200],
      );
      const seen = suite.target.upstream.requests[0];
      assert.equal(seen?.url, "/public/a");
      assert.equal(seen?.headers[name.toLowerCase()], undefined, `${name} was forwarded`);
    });
});

describe("hop-by-hop smuggling through Connection", () => {
  test("Connection naming the guard's own forwarding headers does not remove them", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/public/a", [
        "Connection: close, x-forwarded-for, x-forwarded-proto, x-request-id",
        "X-Forwarded-For: 10.0.0.1",
      ]),
    );
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    const seen = suite.target.upstream.requests[0]?.headers ?? {};
    assert.equal(seen["x-forwarded-for"], "127.0.0.1");
    assert.equal(seen["x-forwarded-proto"], "http");
    assert.match(String(seen["x-request-id"]), /^[0-9a-f-]{36}$/);
  });

  test("hop-by-hop fields and the fields Connection names are not forwarded", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/public/a", [
        "Connection: close, x-session-hint",
        "X-Session-Hint: internal",
        "Keep-Alive: timeout=99",
        "TE: trailers",
        "Upgrade: websocket",
        "Proxy-Authorization: Basic YTpi",
        "Proxy-Connection: keep-alive",
        "X-Kept: yes",
      ]),
    );
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    const seen = suite.target.upstream.requests[0]?.headers ?? {};
    for (const name of [
      "x-session-hint",
      "keep-alive",
      "te",
      "upgrade",
      "proxy-authorization",
      "proxy-connection",
    ])
      assert.equal(seen[name], undefined, `${name} was forwarded`);
    assert.notEqual(seen.connection, "close, x-session-hint");
    assert.equal(seen["x-kept"], "yes");
  });

  test("Connection: x-api-key does not make the guard skip the API key check", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/private", ["Connection: close, x-api-key", "X-Api-Key: wrong-key"]),
    );
    assertProblem(firstAnswer(ex), 401);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("Connection: authorization does not make the guard skip authentication", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/private", [
        "Connection: close, authorization",
        "Authorization: Bearer not-a-token",
      ]),
    );
    assertProblem(firstAnswer(ex), 401);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("an authenticated request reaches the upstream with the guard's identity header (control)", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/private", [
        "Connection: close",
        `X-Api-Key: ${API_KEY}`,
        "X-Auth-Key: forged",
      ]),
    );
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.equal(suite.target.upstream.requests[0]?.headers["x-auth-key"], "ci");
  });

  test("Connection naming the guard's identity header (x-auth-key) or Host does not remove them", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/private", ["Connection: close, x-auth-key, host", `X-Api-Key: ${API_KEY}`]),
    );
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    const seen = suite.target.upstream.requests[0]?.headers ?? {};
    assert.equal(seen["x-auth-key"], "ci", "the guard's identity header was dropped");
    assert.equal(seen["x-forwarded-host"], "example.test", "X-Forwarded-Host was dropped");
  });

  test("Connection naming Content-Type drops it before the policies judge the body (415, not a JSON check the upstream never sees)", async () => {
    const body = '{"a":1}';
    const ex = await exchange(
      suite.target.url,
      http11(
        "POST",
        "/api/items",
        [
          "Connection: close, content-type",
          "Content-Type: application/json",
          `X-Api-Key: ${API_KEY}`,
          `Content-Length: ${body.length}`,
        ],
        body,
      ),
    );
    assert.equal(firstAnswer(ex).status, 415);
    assert.equal(suite.target.upstream.requests.length, 0);
  });
});

describe("HTTP/1.0 and request-target forms", () => {
  test("HTTP/1.0 without Host to the allow-listed route is refused (proof: the unguarded upstream serves it)", async () => {
    const bytes = "GET /admin HTTP/1.0\r\n\r\n";
    assert.deepEqual(await suite.withoutGuard(bytes), ["/admin"]);
    const ex = await exchange(suite.target.url, bytes);
    assertProblem(firstAnswer(ex), 403);
    assert.ok(ex.closed, "an HTTP/1.0 answer closes the connection");
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("HTTP/1.0 to a public route is served and the connection closed", async () => {
    const ex = await exchange(suite.target.url, "GET /public/a HTTP/1.0\r\n\r\n");
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.ok(ex.closed);
    assert.deepEqual(
      suite.target.upstream.requests.map((r) => r.url),
      ["/public/a"],
    );
  });

  test("HTTP/1.0 with Transfer-Encoding: one request at most reaches the upstream, then the connection closes", async () => {
    // RFC 9112 6.1: the framing is faulty and the connection must close after the message; a
    // request pipelined behind it must never be read.
    const ex = await exchange(
      suite.target.url,
      "POST /api/items HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: example.test\r\n\r\n",
    );
    assert.ok(ex.closed);
    assert.equal(ex.responses.length, 1, ex.text.slice(0, 300));
    assert.ok(
      suite.target.upstream.requests.every((r) => r.url === "/api/items" && r.body === "{}"),
      JSON.stringify(suite.target.upstream.requests.map((r) => [r.url, r.body])),
    );
    assert.ok(suite.target.upstream.requests.length <= 1);
  });

  test("an absolute-form target (GET http://evil.test/admin) is 400 (proof: a framework routes it to /admin)", async () => {
    const bytes =
      "GET http://evil.test/admin HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n";
    assert.deepEqual(await suite.withoutGuard(bytes), ["/admin"]);
    const ex = await exchange(suite.target.url, bytes);
    assertProblem(firstAnswer(ex), 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("an absolute-form target naming an allowed route is refused too", async () => {
    const ex = await exchange(
      suite.target.url,
      "GET http://example.test/public/a HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n",
    );
    assertProblem(firstAnswer(ex), 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("the asterisk form (OPTIONS *) is refused", async () => {
    const ex = await exchange(
      suite.target.url,
      "OPTIONS * HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n",
    );
    assertProblem(firstAnswer(ex), 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("the authority form (CONNECT evil.test:443) never opens a tunnel", async () => {
    const ex = await exchange(
      suite.target.url,
      "CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n",
    );
    assertRefusedOrClosed(ex);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("a request without Host in HTTP/1.1 is refused", async () => {
    const ex = await exchange(
      suite.target.url,
      "GET /public/a HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assertRefusedOrClosed(ex, 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });
});
