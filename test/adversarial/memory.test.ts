// A bounded flood (EXT-06): 20,000 requests over keep-alive, allowed and refused mixed. The
// guard's heap must come back to about where it was: nothing per request (a log line, a metric
// label, a cached URL, a detector entry) may accumulate without bound. Measured in this process
// after a forced collection; the ceiling is generous so that the test does not flake.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Pool } from "undici";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { attackedConfig } from "./fixture.js";

const FLOOD = 20_000;
const WARM_UP = 2_000;
const CONCURRENCY = 16;
const HEAP_CEILING = 64 * 1024 * 1024;

/** What each request is, and the status the guard must answer. */
const MIX: { method: "GET" | "POST"; path: string; body?: string; status: number }[] = [
  { method: "GET", path: "/public/a", status: 200 },
  { method: "POST", path: "/api/items", body: '{"name":"a"}', status: 200 },
  { method: "GET", path: "/admin", status: 403 },
  { method: "GET", path: "/public/..%2fadmin", status: 400 },
  { method: "GET", path: "/nowhere", status: 404 },
  { method: "POST", path: "/api/items", body: `${"[".repeat(100)}${"]".repeat(100)}`, status: 400 },
  { method: "GET", path: "/private", status: 401 },
];

let upstream: Server;
let upstreamHits = 0;
let guard: Guard;
let pool: Pool;

before(async () => {
  // A counting upstream: a recording one would itself grow with the flood.
  upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      upstreamHits++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
  const { port } = upstream.address() as { port: number };
  const table = buildRouteTable({
    listen: "127.0.0.1:0",
    upstream: `http://127.0.0.1:${port}`,
    ...attackedConfig(),
  });
  // Log lines are discarded: a sink that kept them would be the test's memory, not the guard's.
  guard = await startGuard({ table, log: { write: () => true } });
  pool = new Pool(guard.url, { connections: 4, pipelining: 1 });
});
after(async () => {
  await pool.close();
  await guard.close();
  upstream.closeAllConnections();
  await new Promise<void>((done) => upstream.close(() => done()));
});

/** A full collection when the runtime lets us ask for one (it is the same heap either way). */
function collect(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
}

async function flood(count: number, statuses: Map<number, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const item = MIX[i % MIX.length] as (typeof MIX)[number];
      const res = await pool.request({
        method: item.method,
        path: item.path,
        headers: item.body ? { "content-type": "application/json" } : {},
        body: item.body,
      });
      await res.body.dump();
      assert.equal(res.statusCode, item.status, `${item.method} ${item.path}`);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

test(`memory stays bounded under a flood of ${FLOOD} keep-alive requests, allowed and refused`, async (t) => {
  await flood(WARM_UP, new Map());
  collect();
  const before = process.memoryUsage();
  const hitsBefore = upstreamHits;
  const statuses = new Map<number, number>();
  const started = performance.now();
  await flood(FLOOD, statuses);
  const seconds = (performance.now() - started) / 1000;
  collect();
  const afterFlood = process.memoryUsage();

  const heapGrowth = afterFlood.heapUsed - before.heapUsed;
  const rssGrowth = afterFlood.rss - before.rss;
  t.diagnostic(`${FLOOD} requests in ${seconds.toFixed(1)} s (${Math.round(FLOOD / seconds)}/s)`);
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.diagnostic(
    `heapUsed ${mib(before.heapUsed)} -> ${mib(afterFlood.heapUsed)} (${mib(heapGrowth)})`,
  );
  t.diagnostic(`rss ${mib(before.rss)} -> ${mib(afterFlood.rss)} (${mib(rssGrowth)})`);

  // Every request was answered as its kind must be, and only the allowed ones went upstream.
  const allowed = MIX.filter((m) => m.status === 200).length;
  const expectedHits =
    Math.floor(FLOOD / MIX.length) * allowed + Math.min(FLOOD % MIX.length, allowed);
  assert.equal(upstreamHits - hitsBefore, expectedHits);
  assert.ok(heapGrowth < HEAP_CEILING, `heap grew by ${mib(heapGrowth)}`);
  // RSS includes allocator slack the runtime keeps; a leak of the flood's size would pass it.
  assert.ok(rssGrowth < 4 * HEAP_CEILING, `rss grew by ${mib(rssGrowth)}`);
});
