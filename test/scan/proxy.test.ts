import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect, type Socket } from "node:net";
import { describe, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanCheck } from "../../src/scan/types.js";
import { catalog, countingServer, listenLoopback } from "./scan-helpers.js";

/** A CONNECT proxy on loopback, the way Burp or ZAP sits between a client and an API. */
async function tunnelProxy() {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on("connect", (req, client: Socket, head) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
  });
  const listening = await listenLoopback(server);
  return {
    ...listening,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy();
      await listening.close();
    },
  };
}

const ASK_ONCE: ScanCheck = {
  id: "probe-proxy",
  items: ["OUT-01"],
  proves: [],
  severity: "info",
  intrusive: false,
  needs: [],
  title: "asks /api",
  async run(context) {
    await context.http.trySend({ url: "/api" });
    return { findings: [], outcome: { status: "not_tested", reason: "probe" } };
  },
};

describe("scanning through a proxy (--proxy)", () => {
  test("every request of the scan goes through the proxy's tunnel", async () => {
    const api = await countingServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
    const proxy = await tunnelProxy();
    try {
      const report = await runScan(
        { target: api.url, proxy: proxy.url },
        { catalog, checks: [ASK_ONCE] },
      );
      const port = new URL(api.url).port;
      assert.ok(proxy.tunnels.length > 0, "no tunnel opened");
      assert.ok(
        proxy.tunnels.every((t) => t === `127.0.0.1:${port}`),
        proxy.tunnels.join(" "),
      );
      assert.equal(api.count(), report.requests, "the API saw every request, through the tunnel");
    } finally {
      await proxy.close();
      await api.close();
    }
  });

  test("a --proxy that is not a proxy URL is a usage error, said before anything is sent", async () => {
    await assert.rejects(
      runScan({ target: "http://127.0.0.1:9", proxy: "127.0.0.1:8080" }, { catalog, checks: [] }),
      (e: unknown) =>
        e instanceof RampartError && e.code === "ERR_USAGE" && /--proxy/.test(e.message),
    );
  });
});
