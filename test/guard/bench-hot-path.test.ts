import assert from "node:assert/strict";
import { createServer, get, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import { logSink } from "./helpers.js";

/**
 * The guard's streamlined hot path (undici dispatch, no response stream per request) must free
 * the upstream connection whatever the client does: with one upstream connection, a leaked one
 * would hang every request after it.
 */
// A leaked connection shows as a hang: fail after 10 s instead.
describe("hot path: a client that leaves never holds the upstream connection", {
  timeout: 10_000,
}, () => {
  const held: { res?: ServerResponse; reached?: () => void } = {};
  const upstream = createServer((req, res) => {
    if (req.url === "/held") {
      held.res = res;
      held.reached?.();
      return;
    }
    const body = req.url === "/big" ? Buffer.alloc(4 * 1024 * 1024, 97) : Buffer.from('{"ok":1}');
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  let guard: Guard;
  before(async () => {
    await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    guard = await startGuard({
      table: buildRouteTable({
        listen: "127.0.0.1:0",
        upstreams: { default: { url, connections: 1 } },
        routes: ["/held", "/big", "/ok"].map((path) => ({ path, public: true })),
      }),
      log: logSink(),
    });
  });
  after(async () => {
    await guard.close();
    upstream.closeAllConnections();
    await new Promise<void>((done) => upstream.close(() => done()));
  });

  test("the client leaves before the upstream answers: the exchange is aborted", async () => {
    const reached = new Promise<void>((resolve) => {
      held.reached = resolve;
    });
    const client = get(`${guard.url}/held`);
    client.on("error", () => {});
    await reached;
    const aborted = new Promise<void>((resolve) => held.res?.once("close", resolve));
    client.destroy();
    await aborted;
    const res = await send(`${guard.url}/ok`);
    assert.equal(res.status, 200);
  });

  test("the client stops reading mid-response: the next request is still served", async () => {
    await new Promise<void>((resolve, reject) => {
      const client = get(`${guard.url}/big`, (res) => {
        assert.equal(res.statusCode, 200);
        res.once("data", () => {
          client.destroy();
          resolve();
        });
      });
      client.on("error", reject);
    });
    for (let i = 0; i < 3; i++) assert.equal((await send(`${guard.url}/ok`)).status, 200);
  });
});
