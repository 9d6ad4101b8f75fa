import assert from "node:assert/strict";
import { createServer, get, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { AggregatorRegistry, Histogram, Registry } from "prom-client";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { accessLog, isoTimeEachMillisecond } from "../../src/guard/ops/access-log.js";
import { createMetrics } from "../../src/guard/ops/metrics.js";
import { createHardener } from "../../src/guard/policies/security-headers.js";
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

/**
 * The access log line is built from a template rather than by pino (the hot path's largest
 * cost after the sockets): it must be the very line pino would have written.
 */
describe("hot path: the templated access log line is pino's line", () => {
  const time = () => `,"time":"2026-01-02T03:04:05.678Z"`;
  const lines = (base: Record<string, unknown> | null, level: "info" | "warn" = "info") => {
    const viaPino: string[] = [];
    const viaTemplate: string[] = [];
    const options = {
      level,
      base,
      timestamp: time,
      redact: { paths: ["headers.authorization", "password", "token"], censor: "[REDACTED]" },
    };
    const reference = pino(options, { write: (line: string) => viaPino.push(line) });
    const sink = { write: (line: string) => viaTemplate.push(line) };
    const access = accessLog(pino(options, sink), sink, time);
    const cases = [
      ["0b6f", "127.0.0.1", "GET", "/small", "/small", 200, 0.4, undefined, 200],
      [
        "0b6f",
        "::1",
        "POST",
        '/a"b\\c\u0001é/?q=[REDACTED]',
        undefined,
        404,
        12,
        "routing",
        undefined,
      ],
      ["0b6f", "10.0.0.1", undefined, "", "/items/:id", 502, Number.NaN, "upstream", 0],
      ["0b6f", "10.0.0.2", "GET", "/a/b", "/a/:b", 200, 1.1, undefined, 200],
      ["0b6f", "10.0.0.3", "GET", "/a/😀", "/a/:b", 200, 12345.7, undefined, 201],
      ["0b6f", "10.0.0.4", "GET", "/a/\ud800", "/a/:b", 200, 0.30000000000000004, undefined, 200],
      ["0b6f", "10.0.0.5", "GET", "/", "/", 200, 0, undefined, 200],
      ["0b6f", "10.0.0.6", "GET", `/"\ud800${"x".repeat(120)}`, "/", 200, 2, undefined, 200],
    ] as const;
    for (const [id, client, method, url, route, status, ms, blockedBy, upstreamStatus] of cases) {
      reference.info({
        event: "access",
        id,
        client,
        method,
        url,
        route,
        status,
        ms,
        ...(blockedBy ? { blockedBy } : {}),
        ...(upstreamStatus ? { upstreamStatus } : {}),
      });
      access(id, client, method, url, route, status, ms, blockedBy, upstreamStatus);
    }
    return { viaPino, viaTemplate };
  };

  test("the same bytes as pino, with escapes, omitted fields and a non-finite duration", () => {
    const { viaPino, viaTemplate } = lines(null);
    assert.equal(viaTemplate.length, 8);
    assert.deepEqual(viaTemplate, viaPino);
  });

  test("the logger's bindings (a worker's id) are on the line where pino puts them", () => {
    const { viaPino, viaTemplate } = lines({ worker: 3 });
    assert.match(viaTemplate[0] ?? "", /^\{"level":30,"time":"[^"]+","worker":3,"event":"access"/);
    assert.deepEqual(viaTemplate, viaPino);
  });

  test("the cached timestamp is toISOString's, across milliseconds, seconds and years", () => {
    let clock = 0;
    const time = isoTimeEachMillisecond(() => clock);
    const starts = [Date.UTC(2026, 10, 28, 8, 59, 58), Date.UTC(1999, 11, 31, 23, 59, 59), 0];
    for (const start of [...starts, 253402300799000, -1000]) {
      for (const step of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1999, 2000, 2500, 61_000]) {
        clock = start + step;
        assert.equal(time(), `,"time":"${new Date(clock).toISOString()}"`);
        assert.equal(time(), `,"time":"${new Date(clock).toISOString()}"`);
      }
    }
  });

  test("a logger above info writes no access line", () => {
    const { viaPino, viaTemplate } = lines(null, "warn");
    assert.deepEqual(viaPino, []);
    assert.deepEqual(viaTemplate, []);
  });

  test("through the guard: one access line per request, with the answer's id and status", async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":1}');
    });
    await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
    const log = logSink();
    const guard = await startGuard({
      table: buildRouteTable({
        listen: "127.0.0.1:0",
        upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        routes: [{ path: "/ok", public: true }],
      }),
      log,
    });
    try {
      const ok = await send(`${guard.url}/ok`);
      const missing = await send(`${guard.url}/nope`);
      await guard.close();
      const entries = log.lines.filter((l) => l.event === "access");
      assert.equal(entries.length, 2);
      const [first, second] = entries;
      assert.equal(first?.id, ok.headers["x-request-id"]);
      assert.deepEqual(
        { ...first, id: undefined, time: undefined, ms: undefined },
        {
          level: 30,
          event: "access",
          id: undefined,
          time: undefined,
          ms: undefined,
          client: "127.0.0.1",
          method: "GET",
          url: "/ok",
          route: "/ok",
          status: 200,
          upstreamStatus: 200,
        },
      );
      assert.equal(typeof first?.ms, "number");
      assert.equal(second?.id, missing.headers["x-request-id"]);
      assert.equal(second?.status, 404);
      assert.equal(second?.blockedBy, "routing");
      assert.equal(second?.route, undefined);
    } finally {
      await guard.close();
      upstream.closeAllConnections();
      await new Promise<void>((done) => upstream.close(() => done()));
    }
  });
});

/**
 * The latency histogram is the guard's own (prom-client's validates and hashes its labels on
 * every observation): it must read exactly as prom-client's Histogram would, in the text format
 * and in the JSON that `--workers` aggregates.
 */
describe("hot path: the latency histogram reads as prom-client's", () => {
  const observations: [string, number][] = [
    ["/a", 0.0004],
    ["/a", 0.001],
    ["/a", 0.0011],
    ["/b/:id", 0.3],
    ["/a", 12],
    ['/q"\\', 2.5],
    ["/b/:id", 0],
  ];
  const reference = () => {
    const registry = new Registry();
    const histogram = new Histogram({
      name: "rampart_guard_request_duration_seconds",
      help: "Time from request to response end, by route pattern",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    for (const [route, seconds] of observations) histogram.labels(route).observe(seconds);
    return registry;
  };
  const ours = () => {
    const metrics = createMetrics();
    for (const [route, seconds] of observations) metrics.duration.labels(route).observe(seconds);
    return metrics.registry;
  };

  test("the same exposition text", async () => {
    const expected = await reference().getSingleMetricAsString(
      "rampart_guard_request_duration_seconds",
    );
    const actual = await ours().getSingleMetricAsString("rampart_guard_request_duration_seconds");
    assert.match(actual, /_bucket\{le="\+Inf",route="\/a"\} 4/);
    assert.equal(actual, expected);
  });

  test("the same sums once several workers' metrics are aggregated", async () => {
    const json = async (registry: Registry) =>
      (await registry.getMetricsAsJSON()).filter(
        (m) => m.name === "rampart_guard_request_duration_seconds",
      );
    const expected = AggregatorRegistry.aggregate([
      await json(reference()),
      await json(reference()),
    ]);
    const actual = AggregatorRegistry.aggregate([await json(ours()), await json(ours())]);
    assert.equal(
      await actual.getSingleMetricAsString("rampart_guard_request_duration_seconds"),
      await expected.getSingleMetricAsString("rampart_guard_request_duration_seconds"),
    );
  });

  test("a reset empties it, and observing again starts from zero", async () => {
    const metrics = createMetrics();
    const child = metrics.duration.labels("/a");
    child.observe(0.2);
    metrics.registry.resetMetrics();
    child.observe(0.02);
    const text = await metrics.registry.getSingleMetricAsString(
      "rampart_guard_request_duration_seconds",
    );
    assert.match(text, /_count\{route="\/a"\} 1$/m);
    assert.match(text, /_sum\{route="\/a"\} 0.02$/m);
  });
});

/** The hardener walks the response's fields once instead of looking up every configured name. */
describe("hot path: response hardening in one pass over the fields", () => {
  const options = {
    hsts: "max-age=31536000",
    csp: "default-src 'none'",
    frameOptions: "DENY",
    referrerPolicy: "no-referrer",
    strip: ["Server", "x-powered-by"],
  };
  const upstream = () => ({
    "content-type": "application/json",
    server: "nginx",
    "x-powered-by": "Express",
    "strict-transport-security": "max-age=1",
    expires: "0",
    pragma: "no-cache",
    etag: '"1"',
  });

  test("plain HTTP, authenticated: fingerprints, upstream HSTS, Expires and Pragma removed", () => {
    const headers: Record<string, string | undefined> = upstream();
    createHardener(options, true)(headers, false);
    assert.deepEqual(headers, {
      "content-type": "application/json",
      etag: '"1"',
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "content-security-policy": "default-src 'none'",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    });
  });

  test("HTTPS, public: the guard's HSTS replaces the upstream's; caching fields stay", () => {
    const headers: Record<string, string | undefined> = upstream();
    createHardener(options, false)(headers, true);
    assert.equal(headers["strict-transport-security"], "max-age=31536000");
    assert.equal(headers.expires, "0");
    assert.equal(headers.pragma, "no-cache");
    assert.equal(headers.server, undefined);
    assert.equal(headers["x-powered-by"], undefined);
    assert.equal(headers["cache-control"], undefined);
  });
});
