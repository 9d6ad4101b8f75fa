import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Agent, createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { logSink } from "./helpers.js";

const SIZES = [1, 16_383, 16_384, 16_385, 65_536, 1024 * 1024 + 7];
const bodies = new Map(SIZES.map((n) => [n, randomBytes(n)]));
const STALLED_BODY = 64 * 1024 * 1024;
let written = 0;
let upstream: Server;
let guard: Guard;

const sha = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

before(async () => {
  upstream = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/sized") {
      const body = bodies.get(Number(url.searchParams.get("n"))) as Buffer;
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    } else if (url.pathname === "/chunked") {
      // No Content-Length: the body arrives in pieces, each its own chunk.
      res.writeHead(200, { "content-type": "application/json" });
      const body = bodies.get(65_536) as Buffer;
      for (let i = 0; i < body.length; i += 10_000) res.write(body.subarray(i, i + 10_000));
      res.end();
    } else {
      // A large download written as fast as the guard takes it, counting what went out.
      written = 0;
      res.writeHead(200, { "content-type": "application/json", "content-length": STALLED_BODY });
      const piece = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (written < STALLED_BODY) {
          written += piece.length;
          if (written >= STALLED_BODY) return void res.end(piece);
          if (!res.write(piece)) return void res.once("drain", pump);
        }
      };
      pump();
    }
  });
  await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
  const port = (upstream.address() as { port: number }).port;
  guard = await startGuard({
    table: buildRouteTable({
      listen: "127.0.0.1:0",
      upstream: `http://127.0.0.1:${port}`,
      routes: [
        { path: "/sized", public: true },
        { path: "/chunked", public: true },
        { path: "/download", public: true },
      ],
    }),
    log: logSink(),
  });
});

after(async () => {
  await guard.close();
  await new Promise((done) => upstream.close(done));
});

describe("streamed responses", () => {
  for (const size of SIZES)
    test(`a ${size}-byte body with a Content-Length arrives byte for byte`, async () => {
      const res = await rawGet(`/sized?n=${size}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-length"], String(size));
      assert.equal(res.body.length, size);
      assert.equal(sha(res.body), sha(bodies.get(size) as Buffer));
    });

  test("a chunked body (no Content-Length) arrives whole, still chunked", async () => {
    const res = await rawGet("/chunked");
    assert.equal(res.status, 200);
    assert.equal(res.headers["transfer-encoding"], "chunked");
    assert.equal(sha(res.body), sha(bodies.get(65_536) as Buffer));
  });

  test("keep-alive: several bodies one after another on one connection", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const [i, size] of [16_384, 1, 65_536, 16_385].entries()) {
        const res = await rawGet(`/sized?n=${size}`, agent);
        assert.equal(res.status, 200);
        assert.equal(sha(res.body), sha(bodies.get(size) as Buffer));
        assert.equal(res.reused, i > 0, "the connection is reused");
      }
    } finally {
      agent.destroy();
    }
  });

  test("a client that stops reading pauses the upstream rather than the guard buffering the body", async () => {
    const { port } = new URL(guard.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((done) => socket.once("connect", done));
    socket.write("GET /download HTTP/1.1\r\nHost: x\r\n\r\n");
    socket.pause();
    // Wait until the upstream stops making progress: socket buffers fill, then the guard pauses.
    let last = -1;
    for (let i = 0; i < 60 && written !== last; i++) {
      last = written;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(written > 0, "the download started");
    assert.ok(
      written < STALLED_BODY / 2,
      `the upstream wrote ${written} of ${STALLED_BODY} bytes to a client that reads nothing`,
    );
    // Reading again: the rest flows and every byte arrives.
    let received = 0;
    const complete = new Promise<void>((done) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= STALLED_BODY) done();
      });
    });
    socket.resume();
    await complete;
    socket.destroy();
    assert.equal(written, STALLED_BODY);
  });
});

/** GET through the guard on a connection of its own, the body kept as bytes. */
function rawGet(
  path: string,
  agent: Agent | false = false,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(guard.url);
    const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          reused: req.reusedSocket,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}
