import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { isAbsolute, join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { startDemoApi } from "../../demo/server.js";
import { RampartError } from "../../src/core/errors.js";
import { send, startDemo } from "../helpers/demo-client.js";

describe("startDemoApi", () => {
  let api: DemoApi;
  before(async () => {
    api = await startDemo("none");
  });
  after(() => api.close());

  test("listens on 127.0.0.1 on an ephemeral port and answers /health", async () => {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.tlsUrl, undefined);
    const res = await send(`${api.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: "ok" });
  });

  test("the context knows its flaws, base URL and absolute data folder", () => {
    assert.equal(api.flaws.size, 0);
    assert.equal(api.context.baseUrl(), api.url);
    assert.ok(isAbsolute(api.context.dataDir));
    assert.ok(existsSync(join(api.context.dataDir, "static", "terms.txt")));
  });
});

describe("startDemoApi: options", () => {
  test("a host that is not loopback is refused with ERR_LISTEN", async () => {
    await assert.rejects(
      // biome-ignore lint/suspicious/noExplicitAny: the point is a value the type refuses.
      startDemoApi({ flaws: "none", host: "0.0.0.0" as any }),
      (error: unknown) => error instanceof RampartError && error.code === "ERR_LISTEN",
    );
  });

  test("a port in use is refused with ERR_LISTEN and a clear message", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      await assert.rejects(
        startDemoApi({ flaws: "none", port }),
        (error: unknown) =>
          error instanceof RampartError &&
          error.code === "ERR_LISTEN" &&
          error.message.includes(`port ${port}`) &&
          error.message.includes("already in use"),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test("an invalid port is refused with ERR_LISTEN", async () => {
    await assert.rejects(
      startDemoApi({ flaws: "none", port: 70000 }),
      (error: unknown) => error instanceof RampartError && error.code === "ERR_LISTEN",
    );
  });

  test("flaws are accepted as names, a comma list or a set; unknown names are refused", async () => {
    const fromString = await startDemo("bola, sequential-ids");
    const fromSet = await startDemo(new Set(["bola"] as const));
    try {
      assert.deepEqual([...fromString.flaws].sort(), ["bola", "sequential-ids"]);
      assert.deepEqual([...fromSet.flaws], ["bola"]);
    } finally {
      await Promise.all([fromString.close(), fromSet.close()]);
    }
    await assert.rejects(
      startDemoApi({ flaws: ["bola", "no-such-flaw"] }),
      (error: unknown) => error instanceof RampartError && error.code === "ERR_DEMO_FLAW_UNKNOWN",
    );
  });

  test("::1 is accepted and the URL brackets it", async (t) => {
    const probe = createServer();
    const ipv6 = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(false));
      probe.listen(0, "::1", () => probe.close(() => resolve(true)));
    });
    if (!ipv6) return t.skip("no IPv6 loopback on this machine");
    const api = await startDemo("none", { host: "::1" });
    try {
      assert.match(api.url, /^http:\/\/\[::1\]:\d+$/);
      assert.equal((await send(`${api.url}/health`)).status, 200);
    } finally {
      await api.close();
    }
  });

  test("close() frees the port even with a keep-alive connection open", async () => {
    const api = await startDemo("none");
    const port = Number(new URL(api.url).port);
    await fetch(`${api.url}/health`); // undici keeps the connection alive
    await api.close();
    const again = await startDemo("none", { port });
    await again.close();
  });

  test("every flaw on at once still serves a working API", async () => {
    const api = await startDemo("all", { tlsPort: 0 });
    try {
      assert.equal((await send(`${api.url}/health`)).status, 200);
      assert.equal((await send(`${api.tlsUrl}/health`)).status, 200);
    } finally {
      await api.close();
    }
  });
});
