import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { run } from "../../src/cli/main.js";
import { loadGuard } from "../../src/guard/config/load.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { watchReload } from "../../src/guard/reload.js";
import { startGuard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import { logSink, startUpstream } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-guard-ops-"));
const upstreamPromise = startUpstream();
after(async () => (await upstreamPromise).close());

async function startWithAdmin(
  routes = [{ path: "/api/data", authentication: "upstream" as const }],
) {
  const upstream = await upstreamPromise;
  const log = logSink();
  const guard = await startGuard({
    table: buildRouteTable({
      listen: "127.0.0.1:0",
      admin: { listen: "127.0.0.1:0" },
      upstream: upstream.url,
      routes,
    }),
    log,
  });
  return { guard, log, upstream };
}

describe("access logs (MON-01, MON-04)", () => {
  test("one JSON line per request, with secrets redacted", async () => {
    const { guard, log } = await startWithAdmin();
    try {
      await send(`${guard.url}/api/data?page=2`, {
        headers: {
          Authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
          Cookie: "sid=s3cr3t-session",
        },
      });
      await send(`${guard.url}/api/data?password=hunter2&card=4111111111111111`);
      const access = log.lines.filter((l) => l.event === "access");
      assert.equal(access.length, 2);
      assert.equal(access[0]?.status, 200);
      assert.equal(access[0]?.route, "/api/data");
      assert.equal(access[1]?.status, 400);
      assert.equal(access[1]?.blockedBy, "query-credentials");
      const text = log.text();
      for (const secret of ["hunter2", "4111111111111111", "s3cr3t-session", "c2lnbmF0dXJl"])
        assert.ok(!text.includes(secret), `${secret} is not logged`);
      assert.match(text, /"level":40.*plain HTTP/, "warns once that TLS is off");
    } finally {
      await guard.close();
    }
  });
});

describe("admin listener (MON-02)", () => {
  test("Prometheus metrics count requests, latency, blocks by policy and item, upstream errors", async () => {
    const { guard } = await startWithAdmin();
    try {
      await send(`${guard.url}/api/data`);
      await send(`${guard.url}/nowhere`);
      await send(`${guard.url}/api/data`, { headers: { Accept: "text/html" } });
      const res = await send(`${guard.adminUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(
        res.body,
        /rampart_guard_requests_total\{route="\/api\/data",method="GET",status="200"\} 1/,
      );
      assert.match(res.body, /rampart_guard_blocks_total\{policy="routing",item="IN-01"\} 1/);
      assert.match(
        res.body,
        /rampart_guard_blocks_total\{policy="accept-negotiation",item="IN-02"\} 1/,
      );
      assert.match(res.body, /rampart_guard_request_duration_seconds_bucket/);
      assert.match(res.body, /rampart_guard_upstream_errors_total/);
      assert.doesNotMatch(res.body, /process_cpu/, "a registry of its own, not the global default");
    } finally {
      await guard.close();
    }
  });

  test("/healthz and /readyz answer on the admin listener only", async () => {
    const { guard } = await startWithAdmin();
    try {
      assert.equal((await send(`${guard.adminUrl}/healthz`)).status, 200);
      assert.equal((await send(`${guard.adminUrl}/readyz`)).status, 200);
      assert.equal((await send(`${guard.url}/healthz`)).status, 404);
    } finally {
      await guard.close();
    }
  });
});

describe("graceful shutdown", () => {
  test("a request in flight completes while the guard drains", async () => {
    const { guard, upstream } = await startWithAdmin();
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let arrived = () => {};
    const reached = new Promise<void>((r) => {
      arrived = r;
    });
    upstream.reply = async () => {
      arrived();
      await held;
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: '{"slow":true}',
      };
    };
    try {
      const inFlight = send(`${guard.url}/api/data`);
      await reached;
      const closing = guard.close();
      release();
      const res = await inFlight;
      await closing;
      assert.equal(res.status, 200);
      assert.equal(res.body, '{"slow":true}');
      assert.equal(res.headers.connection, "close", "the drained connection is closed");
      await assert.rejects(send(`${guard.url}/api/data`), "no new connections after close");
    } finally {
      upstream.reset();
    }
  });
});

describe("hot reload", () => {
  const config = join(dir, "rampart.yaml");
  const write = (paths: string[]) =>
    writeFileSync(
      config,
      `guard:\n  listen: 127.0.0.1:0\n  upstream: UPSTREAM\n  defaults: { authentication: upstream }\n  routes:\n${paths.map((p) => `    - { path: ${p} }\n`).join("")}`.replace(
        "UPSTREAM",
        upstreamUrl,
      ),
    );
  let upstreamUrl = "";

  test("no request fails during several reloads under load; a bad config keeps the old table", async () => {
    upstreamUrl = (await upstreamPromise).url;
    write(["/a", "/b"]);
    const log = logSink();
    const guard = await startGuard({ table: await loadGuard({ config }, dir), log });
    const reloader = watchReload(guard, () => loadGuard({ config }, dir), []);
    try {
      let stop = false;
      const failures: string[] = [];
      let count = 0;
      const worker = async () => {
        while (!stop) {
          const res = await send(`${guard.url}/a`);
          count++;
          if (res.status !== 200) failures.push(`${res.status} ${res.body}`);
        }
      };
      const load = Promise.all([worker(), worker(), worker(), worker()]);
      const after = async (n: number) => {
        const target = count + n;
        while (count < target) await new Promise((r) => setImmediate(r));
      };
      for (let i = 0; i < 5; i++) {
        await after(10);
        write(i % 2 === 0 ? ["/a", "/c"] : ["/a", "/b"]);
        assert.equal(await reloader.reload(), true);
      }
      await after(10);
      writeFileSync(
        config,
        "guard:\n  upstream: nope\n  routes: [{ path: /a, methods: [TRACE] }]\n",
      );
      assert.equal(await reloader.reload(), false, "a bad config is refused");
      stop = true;
      await load;
      assert.deepEqual(failures, []);
      assert.ok(count > 20, `load ran (${count} requests)`);
      assert.equal((await send(`${guard.url}/a`)).status, 200, "the old table keeps serving");
      assert.equal((await send(`${guard.url}/c`)).status, 200, "with the last good routes");
      assert.equal((await send(`${guard.url}/b`)).status, 404);
      const refused = log.lines.find((l) => l.event === "reload-refused");
      assert.match(String(refused?.error), /ERR_CONFIG_INVALID/);
      assert.match(String(refused?.error), /\/guard\/upstream/);
    } finally {
      reloader.close();
      await guard.close();
    }
  });

  test("a change to the config file is picked up", async () => {
    upstreamUrl = (await upstreamPromise).url;
    write(["/a"]);
    const guard = await startGuard({ table: await loadGuard({ config }, dir), log: logSink() });
    const reloader = watchReload(guard, () => loadGuard({ config }, dir), [config], 10);
    try {
      assert.equal((await send(`${guard.url}/d`)).status, 404);
      write(["/a", "/d"]);
      let status = 404;
      for (let i = 0; i < 100 && status === 404; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await send(`${guard.url}/d`)).status;
      }
      assert.equal(status, 200);
    } finally {
      reloader.close();
      await guard.close();
    }
  });
});

describe("rampart guard (CLI)", () => {
  test("serves until the signal aborts, then drains and exits 0", async () => {
    const upstream = await upstreamPromise;
    const controller = new AbortController();
    let stderr = "";
    let listening = () => {};
    const started = new Promise<void>((r) => {
      listening = r;
    });
    const running = run(
      ["guard", "--upstream", upstream.url, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
      {
        stdout: { write: () => true },
        stderr: {
          write: (s: string) => {
            stderr += s;
            if (stderr.includes("rampart guard: ")) listening();
            return true;
          },
        },
        cwd: dir,
        env: {},
        signal: controller.signal,
      },
    );
    await started;
    const url = /rampart guard: (http:\/\/[0-9.:]+)/.exec(stderr)?.[1];
    assert.match(
      stderr,
      /rampart guard: http:\/\/127\.0\.0\.1:\d+ \(admin http:\/\/127\.0\.0\.1:\d+\), 0 routes/,
    );
    assert.equal((await send(`${url}/anything`)).status, 404, "serving: no routes, so 404");
    controller.abort();
    assert.equal(await running, 0, stderr);
  });

  test("SIGHUP reloads the config file; a bad one is refused while the old table serves", async () => {
    const upstream = await upstreamPromise;
    const config = join(dir, "sighup.yaml");
    const write = (paths: string[], extra = "") =>
      writeFileSync(
        config,
        `guard:\n  listen: 127.0.0.1:0\n  upstream: ${upstream.url}\n${extra}  defaults: { authentication: upstream }\n  routes:\n${paths.map((p) => `    - { path: ${p} }\n`).join("")}`,
      );
    write(["/one"]);
    const controller = new AbortController();
    let stdout = "";
    let stderr = "";
    let listening = () => {};
    const started = new Promise<void>((r) => {
      listening = r;
    });
    const running = run(["guard", "--config", config], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: {
        write: (s: string) => {
          stderr += s;
          if (stderr.includes("rampart guard: ")) listening();
          return true;
        },
      },
      cwd: dir,
      env: {},
      signal: controller.signal,
    });
    await started;
    const url = /rampart guard: (http:\/\/[0-9.:]+)/.exec(stderr)?.[1];
    const reloaded = async (event: string, count: number) => {
      for (let i = 0; i < 200; i++) {
        if (stdout.split(`"event":"${event}"`).length - 1 >= count) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`no ${event} in the log`);
    };
    try {
      assert.equal((await send(`${url}/two`)).status, 404);
      write(["/one", "/two"]);
      process.emit("SIGHUP");
      await reloaded("reload", 1);
      assert.equal((await send(`${url}/two`)).status, 200);
      write(["/one"], "  colour: blue\n");
      process.emit("SIGHUP");
      await reloaded("reload-refused", 1);
      assert.equal((await send(`${url}/two`)).status, 200, "the old table keeps serving");
      assert.match(stdout, /\/guard\/colour: unknown key/);
    } finally {
      controller.abort();
      assert.equal(await running, 0, stderr);
    }
  });
});

describe("timeouts", () => {
  test("slowloris: a client that never finishes its headers is cut off", async () => {
    const upstream = await upstreamPromise;
    const guard = await startGuard({
      table: buildRouteTable({
        listen: "127.0.0.1:0",
        upstream: upstream.url,
        server: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
        routes: [{ path: "/x", public: true }],
      }),
      log: logSink(),
    });
    try {
      const port = Number(new URL(guard.url).port);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = netConnect(port, "127.0.0.1", () =>
          socket.write("GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n"),
        );
        let text = "";
        socket.setEncoding("latin1");
        socket.on("data", (c: string) => {
          text += c;
        });
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
      assert.match(answer, /^HTTP\/1\.1 408/);
    } finally {
      await guard.close();
    }
  });

  test("an upstream that does not answer in time is 504", async () => {
    const upstream = await upstreamPromise;
    const guard = await startGuard({
      table: buildRouteTable({
        listen: "127.0.0.1:0",
        upstreams: { default: { url: upstream.url, headersTimeoutMs: 100 } },
        routes: [{ path: "/x", public: true }],
      }),
      log: logSink(),
    });
    let release = () => {};
    upstream.reply = () =>
      new Promise((r) => {
        release = () => r({ status: 200, body: "{}" });
      });
    try {
      const res = await send(`${guard.url}/x`);
      assert.equal(res.status, 504);
      assert.equal(res.headers["content-type"], "application/problem+json");
    } finally {
      release();
      upstream.reset();
      await guard.close();
    }
  });
});
