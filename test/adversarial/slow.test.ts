// Slow clients (slowloris, slow POST): a connection that trickles its head or its body is cut
// once headersTimeoutMs / requestTimeoutMs pass, and the upstream never receives the partial
// request as a complete one. The guard checks its timeouts every second, so the cut comes
// between the timeout and the timeout plus one second.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { exchange, http11, startTarget, type Target } from "./fixture.js";

const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const CHECK_INTERVAL_MS = 1000;

let target: Target;

before(async () => {
  target = await startTarget({
    server: { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS },
  });
});
after(() => target.close());
beforeEach(() => target.upstream.reset());

/** The answer to a timed-out request: Node's bare 408, or no answer, and the connection closed. */
function assertCut(ex: Awaited<ReturnType<typeof exchange>>, elapsed: number, within: number) {
  assert.ok(ex.closed, "the connection stayed open");
  assert.ok(
    ex.responses.length === 0 || ex.responses.every((r) => r.status === 408),
    `unexpected answer: ${ex.text.slice(0, 200)}`,
  );
  assert.ok(elapsed < within, `cut after ${elapsed} ms, expected under ${within} ms`);
}

describe("slow clients", () => {
  test("slowloris: a request head trickled past headersTimeoutMs is cut with 408", async () => {
    const parts = [
      "GET /public/a HTTP/1.1\r\n",
      "Host: example.test\r\n",
      ...Array.from({ length: 40 }, (_, i) => `X-Trickle-${i}: y\r\n`),
      "\r\n",
    ];
    const started = Date.now();
    // 42 gaps of 100 ms: the whole head would take over 4 s.
    const ex = await exchange(target.url, parts, { gapMs: 100 });
    const elapsed = Date.now() - started;
    assertCut(ex, elapsed, HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 1500);
    assert.ok(ex.responses.length === 1, "the guard answers 408 before closing");
    assert.equal(target.upstream.requests.length, 0);
  });

  test("slow body: a JSON body trickled past requestTimeoutMs is cut; the upstream sees nothing", async () => {
    const body = `[${"1,".repeat(40)}1]`;
    const parts = [
      http11("POST", "/api/items", [
        "Content-Type: application/json",
        `Content-Length: ${body.length}`,
      ]),
      ...body.split(""),
    ];
    const started = Date.now();
    const ex = await exchange(target.url, parts, { gapMs: 100 });
    const elapsed = Date.now() - started;
    assertCut(ex, elapsed, REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 1500);
    assert.equal(target.upstream.requests.length, 0);
  });

  test("slow body on a streamed route: the upstream never completes the partial request", async () => {
    const body = "v".repeat(60);
    const parts = [
      http11("POST", "/upload", [
        "Content-Type: application/octet-stream",
        "Transfer-Encoding: chunked",
      ]),
      ...body.split("").map((c) => `1\r\n${c}\r\n`),
      "0\r\n\r\n",
    ];
    const started = Date.now();
    const ex = await exchange(target.url, parts, { gapMs: 100 });
    const elapsed = Date.now() - started;
    assertCut(ex, elapsed, REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 1500);
    // Give an upstream that wrongly got the request time to record it.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(target.upstream.requests.length, 0);
  });

  test("a client that opens a connection and sends nothing is cut", async () => {
    const started = Date.now();
    const ex = await exchange(target.url, [""], { idleMs: 4000 });
    assertCut(ex, Date.now() - started, HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 1500);
  });

  test("a prompt client is served after the slow ones (control)", async () => {
    const ex = await exchange(target.url, http11("GET", "/public/a", ["Connection: close"]));
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.equal(target.upstream.requests.length, 1);
  });
});
