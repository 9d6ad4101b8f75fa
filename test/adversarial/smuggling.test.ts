// Request smuggling (RFC 9112 section 6.3 and 11.2): a request hidden where the guard and the
// upstream disagree on where a body ends. Each case asserts what reached the recording upstream
// and what the guard answered; the cases marked "proof" first show the same bytes smuggling a
// request into a permissive upstream with no guard in front.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertRefusedOrClosed, bypassSuite, exchange, http11 } from "./fixture.js";

const HIDDEN = "GET /admin HTTP/1.1\r\nHost: example.test\r\n\r\n";
const JSON_TYPE = "Content-Type: application/json";

const suite = bypassSuite();

/** Sends the bytes through the guard: refused (problem or closed), nothing reached the upstream. */
async function assertBlocked(bytes: string, status?: number): Promise<void> {
  const ex = await exchange(suite.target.url, bytes);
  assertRefusedOrClosed(ex, status);
  assert.equal(ex.responses.length, 1, `one answer only: ${ex.text.slice(0, 300)}`);
  assert.deepEqual(
    suite.target.upstream.requests.map((r) => r.url),
    [],
    "a smuggling attempt reached the upstream",
  );
}

describe("CL.TE and TE.CL: Content-Length and Transfer-Encoding together", () => {
  test("CL.TE: a request hidden after the chunked terminator (proof: it reaches an unguarded upstream)", async () => {
    const body = `0\r\n\r\n${HIDDEN}`;
    const bytes = http11(
      "POST",
      "/api/items",
      [JSON_TYPE, `Content-Length: ${body.length}`, "Transfer-Encoding: chunked"],
      body,
    );
    assert.deepEqual(await suite.withoutGuard(bytes), ["/api/items", "/admin"]);
    await assertBlocked(bytes, 400);
  });

  test("TE.CL: a request hidden inside a chunk that a Content-Length reader stops short of", async () => {
    const chunk = `${HIDDEN.length.toString(16)}\r\n${HIDDEN}\r\n0\r\n\r\n`;
    const bytes = http11(
      "POST",
      "/api/items",
      [JSON_TYPE, "Content-Length: 3", "Transfer-Encoding: chunked"],
      chunk,
    );
    await assertBlocked(bytes, 400);
  });
});

describe("obfuscated Transfer-Encoding", () => {
  const chunked = "2\r\n{}\r\n0\r\n\r\n";
  const cases: [string, string[]][] = [
    ["a trailing comma (chunked ,)", ["Transfer-Encoding: chunked ,"]],
    [
      "an unknown coding (xchunked) beside Content-Length",
      ["Transfer-Encoding: xchunked", "Content-Length: 2"],
    ],
    ["an unknown coding (xchunked) alone", ["Transfer-Encoding: xchunked"]],
    [
      "two Transfer-Encoding fields, chunked then identity",
      ["Transfer-Encoding: chunked", "Transfer-Encoding: identity"],
    ],
    [
      "two Transfer-Encoding fields, both chunked",
      ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
    ],
    ["a space before the colon", ["Transfer-Encoding : chunked"]],
    ["a vertical tab before the value", ["Transfer-Encoding:\x0bchunked"]],
  ];
  for (const [name, lines] of cases)
    test(`obfuscated Transfer-Encoding: ${name} is refused`, async () => {
      const body = lines.some((l) => l.includes("xchunked")) ? "{}" : chunked;
      await assertBlocked(
        http11("POST", "/api/items", [JSON_TYPE, ...lines, "Connection: close"], body),
        400,
      );
    });

  test("obfuscated Transfer-Encoding with a space before the colon smuggles a request past a Content-Length reader (proof)", async () => {
    const body = `0\r\n\r\n${HIDDEN}`;
    const bytes = http11(
      "POST",
      "/api/items",
      [JSON_TYPE, `Content-Length: ${body.length}`, "Transfer-Encoding : chunked"],
      body,
    );
    // A front that ignores the malformed field forwards the whole body; this upstream does not.
    assert.deepEqual(await suite.withoutGuard(bytes), ["/api/items", "/admin"]);
    await assertBlocked(bytes, 400);
  });

  test("a tab before the value is valid whitespace (RFC 9110 5.6.3): one request, body de-chunked", async () => {
    const ex = await exchange(
      suite.target.url,
      http11(
        "POST",
        "/api/items",
        [JSON_TYPE, "Transfer-Encoding:\tchunked", "Connection: close"],
        chunked,
      ),
    );
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.deepEqual(
      suite.target.upstream.requests.map((r) => [r.method, r.url, r.body]),
      [["POST", "/api/items", "{}"]],
    );
  });
});

describe("duplicate Content-Length", () => {
  test("duplicate Content-Length with equal values is refused", async () => {
    await assertBlocked(
      http11(
        "POST",
        "/api/items",
        [JSON_TYPE, "Content-Length: 2", "Content-Length: 2", "Connection: close"],
        "{}",
      ),
      400,
    );
  });

  test("duplicate Content-Length with different values (the longer hides a request) is refused", async () => {
    const body = `{}${HIDDEN}`;
    await assertBlocked(
      http11(
        "POST",
        "/api/items",
        [JSON_TYPE, "Content-Length: 2", `Content-Length: ${body.length}`],
        body,
      ),
      400,
    );
  });

  test("a Content-Length list (2, 2) is refused", async () => {
    await assertBlocked(
      http11("POST", "/api/items", [JSON_TYPE, "Content-Length: 2, 2", "Connection: close"], "{}"),
      400,
    );
  });
});

describe("bad chunk sizes", () => {
  const post = (body: string) =>
    http11(
      "POST",
      "/api/items",
      [JSON_TYPE, "Transfer-Encoding: chunked", "Connection: close"],
      body,
    );

  test("a chunk size that overflows 64 bits is refused", async () => {
    await assertBlocked(post("10000000000000002\r\n{}\r\n0\r\n\r\n"), 400);
  });

  test("a negative chunk size is refused", async () => {
    await assertBlocked(post("-2\r\n{}\r\n0\r\n\r\n"), 400);
  });

  test("chunk data without its CRLF is refused (proof: a lenient upstream takes it)", async () => {
    const bytes = post("2\r\n{}0\r\n\r\n");
    assert.deepEqual(await suite.withoutGuard(bytes), ["/api/items"]);
    await assertBlocked(bytes, 400);
  });

  test("chunk lines ended by a bare LF are refused", async () => {
    await assertBlocked(post("2\n{}\n0\n\n"), 400);
  });

  test("a chunk extension hiding a request after the size is refused or read as data", async () => {
    const ex = await exchange(
      suite.target.url,
      post(`2;${HIDDEN.replaceAll("\r\n", " ")}\r\n{}\r\n0\r\n\r\n`),
    );
    assertRefusedOrClosed(ex);
    assert.equal(suite.target.upstream.requests.length, 0);
  });
});

describe("pipelined requests", () => {
  test("a pipelined second request to a refused route is refused on its own (proof: the unguarded upstream serves it)", async () => {
    const bytes = http11("GET", "/public/a") + http11("GET", "/admin", ["Connection: close"]);
    assert.deepEqual(await suite.withoutGuard(bytes), ["/public/a", "/admin"]);
    const ex = await exchange(suite.target.url, bytes);
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200, 403],
    );
    assert.deepEqual(
      suite.target.upstream.requests.map((r) => r.url),
      ["/public/a"],
    );
  });

  test("a request after a Content-Length body is a request of its own, checked like any other", async () => {
    const bytes = http11("POST", "/api/items", [JSON_TYPE, "Content-Length: 2"], `{}${HIDDEN}`);
    const ex = await exchange(suite.target.url, bytes);
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200, 403],
    );
    assert.deepEqual(
      suite.target.upstream.requests.map((r) => [r.url, r.body]),
      [["/api/items", "{}"]],
    );
  });

  test("a request inside a declared body reaches the upstream as content, never as a request", async () => {
    // An octet stream: no body check reads it, the guard streams it on as it came.
    const body = `bytes${HIDDEN}`;
    const ex = await exchange(
      suite.target.url,
      http11(
        "POST",
        "/upload",
        [
          "Content-Type: application/octet-stream",
          `Content-Length: ${body.length}`,
          "Connection: close",
        ],
        body,
      ),
    );
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.deepEqual(
      suite.target.upstream.requests.map((r) => [r.method, r.url, r.body]),
      [["POST", "/upload", body]],
    );
  });

  test("a request hidden in the body of a GET is refused with the GET (proof: the unguarded upstream takes the GET)", async () => {
    const bytes = http11("GET", "/public/a", [`Content-Length: ${HIDDEN.length}`], HIDDEN);
    assert.deepEqual(await suite.withoutGuard(bytes), ["/public/a"]);
    await assertBlocked(bytes, 415);
  });

  test("a request refused before its body arrived: the rest is drained, never parsed as a request", async () => {
    const bytes = http11("POST", "/admin", [JSON_TYPE, "Content-Length: 200"], `{}${HIDDEN}`);
    const ex = await exchange(suite.target.url, bytes);
    assert.equal(ex.responses.length, 1);
    assert.ok((ex.responses[0]?.status ?? 0) >= 400);
    assert.equal(suite.target.upstream.requests.length, 0);
  });
});
