/**
 * Reproducible loopback benchmark of the guard's positive model (issue 18): a POST of a 1 KiB
 * JSON body answered with a 2 KiB JSON body, both described by one OpenAPI document, through
 *
 * - node+undici: a plain node:http proxy forwarding the body with an undici pool (no checks);
 * - node minimal (reference, no floor): the least a node proxy can do here, and what the guard
 *   does without its checks: the body read whole, undici's dispatch API, the answer gathered and
 *   sent with one end(); no request id, logging, metrics, header hygiene nor policy;
 * - fastify: fastify + @fastify/helmet with the same document's schemas as the route's body and
 *   response schemas (ajv validation in, fast-json-stringify serialisation out), forwarding the
 *   parsed body to the upstream with undici and answering its parsed JSON;
 * - rampart guard: `--openapi` with validation on (the default: enforce, responses filtered);
 * - rampart guard, validation off: the same table with `policies.validation.mode: off`.
 *
 * Then, in this process, the per-request cost of validation in microseconds: the policy's request
 * and response hooks run over the same bodies, timed over many iterations.
 *
 *   npm run build && node dist/bench/guard/validation-bench.js [--duration 2] [--rounds 11] [--warmup 8]
 *
 * Same method as bench.ts (wrk, every stack in its own process, interleaved rotated rounds,
 * ratios as medians of per-round ratios with quartiles); results in RESULTS.md.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Dispatcher, Pool } from "undici";
import { loadGuard } from "../../src/guard/config/load.js";
import { createMetrics } from "../../src/guard/ops/metrics.js";
import { openApiValidationPolicy } from "../../src/guard/policies/openapi-validation.js";
import type { RequestContext, ResponseHead } from "../../src/guard/policy.js";
import { startGuard } from "../../src/guard/server.js";
import {
  child,
  guardLogSink,
  installed,
  logSink,
  median,
  ms,
  numberOption,
  type Result,
  ratioCell,
  runOptions,
  wrk,
} from "./bench.js";

const SCRIPT = fileURLToPath(import.meta.url);

/** The item a client sends and the API answers (request: without the read-only members). */
const ITEM = {
  type: "object",
  additionalProperties: false,
  required: ["name", "sku", "price", "quantity", "currency"],
  properties: {
    id: { type: "string", format: "uuid", readOnly: true },
    name: { type: "string", minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9 ,.-]+$" },
    sku: { type: "string", pattern: "^[A-Z]{3}-[0-9]{6}$" },
    price: { type: "number", minimum: 0, maximum: 1000000 },
    quantity: { type: "integer", minimum: 1, maximum: 1000 },
    currency: { type: "string", enum: ["EUR", "USD", "GBP", "CHF"] },
    email: { type: "string", format: "email", maxLength: 254 },
    tags: { type: "array", maxItems: 20, items: { type: "string", maxLength: 30 } },
    dimensions: {
      type: "object",
      additionalProperties: false,
      properties: {
        width: { type: "number", minimum: 0 },
        height: { type: "number", minimum: 0 },
        depth: { type: "number", minimum: 0 },
      },
    },
    description: { type: "string", maxLength: 2000 },
    createdAt: { type: "string", format: "date-time", readOnly: true },
  },
};
const ANSWER = {
  type: "object",
  required: ["item"],
  properties: {
    item: { $ref: "#/components/schemas/Item" },
    related: { type: "array", maxItems: 10, items: { $ref: "#/components/schemas/Item" } },
  },
};
export const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "validation bench", version: "1" },
  security: [],
  paths: {
    "/items": {
      post: {
        operationId: "createItem",
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/Item" } } },
        },
        responses: {
          "200": {
            description: "the item and related ones",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Answer" } } },
          },
        },
      },
    },
  },
  components: { schemas: { Item: ITEM, Answer: ANSWER } },
};

const sent = {
  name: "Walnut desk, large",
  sku: "DSK-004211",
  price: 749.5,
  quantity: 2,
  currency: "EUR",
  email: "buyer@example.com",
  tags: ["furniture", "office", "walnut", "desk"],
  dimensions: { width: 160, height: 75, depth: 80 },
  description: "",
};
sent.description = "A solid walnut desk. ".repeat(60).slice(0, 1024 - JSON.stringify(sent).length);
/** The 1 KiB request body. */
export const REQUEST = Buffer.from(JSON.stringify(sent));
const stored = (n: number) => ({
  ...sent,
  id: `5f0c7d2a-8b1e-4c3f-9a6d-2e4b1c7f8a0${n}`,
  createdAt: "2026-12-07T05:00:00Z",
  description: "A solid walnut desk.",
});
const answer = { item: stored(0), related: [stored(1), stored(2), stored(3)] };
answer.item.description = "A solid walnut desk. "
  .repeat(60)
  .slice(0, 2048 - JSON.stringify(answer).length + 20);
/** The 2 KiB response body. */
export const RESPONSE = Buffer.from(JSON.stringify(answer));

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

function serveUpstream(): Promise<string> {
  return listen(
    createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": RESPONSE.length,
        });
        res.end(RESPONSE);
      });
    }),
  );
}

/** The baseline: a node reverse proxy forwarding the request body, no checks. */
function servePlainProxy(upstream: string): Promise<string> {
  const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
  return listen(
    createServer((req: IncomingMessage, res: ServerResponse) => {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      pool.request({ path: req.url ?? "/", method: req.method as "POST", headers, body: req }).then(
        (up) => {
          const out = up.headers as Record<string, string>;
          delete out.connection;
          delete out["keep-alive"];
          res.writeHead(up.statusCode, out);
          up.body.pipe(res);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    }),
  );
}

/** What undici's dispatch hands the minimal proxy: the answer gathered, then sent in one end(). */
class MinimalExchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private readonly chunks: Buffer[] = [];
  constructor(private readonly res: ServerResponse) {}
  onRequestStart(): void {}
  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[]>,
  ): void {
    this.status = status;
    const out: Record<string, string | string[]> = {};
    for (const name in headers)
      if (name !== "connection" && name !== "keep-alive") out[name] = headers[name] as string;
    this.headers = out;
  }
  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  onResponseEnd(): void {
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.headers["content-length"] = String(body.length);
    this.res.writeHead(this.status, this.headers);
    this.res.end(body);
  }
  onResponseError(): void {
    this.res.destroy();
  }
}

/** The reference: the least a node proxy does here (see the header), with no check at all. */
function serveMinimalProxy(upstream: string): Promise<string> {
  const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
  return listen(
    createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const headers: Record<string, string | string[]> = {};
        for (const name in req.headers)
          if (name !== "host" && name !== "connection")
            headers[name] = req.headers[name] as string | string[];
        pool.dispatch(
          {
            path: req.url ?? "/",
            method: req.method as "POST",
            headers,
            body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
          },
          new MinimalExchange(res),
        );
      });
    }),
  );
}

async function loadFastify() {
  const [app, helmet] = await Promise.all([import("fastify"), import("@fastify/helmet")]);
  return { fastify: app.default, helmet: helmet.default };
}

/** fastify validating the same schemas: ajv on the body, fast-json-stringify on the answer. */
async function serveFastify(upstream: string): Promise<string> {
  let loaded: Awaited<ReturnType<typeof loadFastify>>;
  try {
    loaded = await loadFastify();
  } catch {
    return "missing: not installed (npm install -D fastify @fastify/helmet)";
  }
  const { fastify, helmet } = loaded;
  const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
  const app = fastify({
    logger: { level: "info", stream: logSink() },
    keepAliveTimeout: 60_000,
    bodyLimit: 1024 * 1024,
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: false,
  });
  app.addSchema({ $id: "Item", ...ITEM });
  const requestItem = {
    ...ITEM,
    properties: Object.fromEntries(
      Object.entries(ITEM.properties).filter(([, s]) => !(s as { readOnly?: boolean }).readOnly),
    ),
  };
  app.post(
    "/items",
    {
      schema: {
        body: requestItem,
        response: {
          200: {
            ...ANSWER,
            properties: {
              item: { $ref: "Item#" },
              related: { ...ANSWER.properties.related, items: { $ref: "Item#" } },
            },
          },
        },
      },
    },
    async (request) => {
      const up = await pool.request({
        path: "/items",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request.body),
      });
      return up.body.json();
    },
  );
  return app.listen({ port: 0, host: "127.0.0.1" });
}

async function serveGuard(upstream: string, validation: "on" | "off"): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-validation-"));
  writeFileSync(join(dir, "openapi.json"), JSON.stringify(DOCUMENT));
  writeFileSync(
    join(dir, "rampart.yaml"),
    JSON.stringify({
      guard: {
        server: { keepAliveTimeoutMs: 60_000 },
        defaults: {
          authentication: "upstream",
          ...(validation === "off" ? { policies: { validation: { mode: "off" } } } : {}),
        },
      },
    }),
  );
  const table = await loadGuard(
    { config: "rampart.yaml", openapi: "openapi.json", upstream, listen: "127.0.0.1:0" },
    dir,
  );
  const guard = await startGuard({ table, log: guardLogSink() });
  return guard.url;
}

/**
 * The policy's hooks over the bench's bodies, in this process: what validation adds to one
 * request (request head and body, response head and body), in microseconds.
 */
async function validationCost(
  iterations: number,
): Promise<{ perRequest: number; removed: number }> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-validation-"));
  writeFileSync(join(dir, "openapi.json"), JSON.stringify(DOCUMENT));
  const table = await loadGuard(
    { openapi: "openapi.json", upstream: "http://127.0.0.1:9", listen: "127.0.0.1:0" },
    dir,
  );
  const route = table.routes[0];
  const hooks = route && openApiValidationPolicy.create(route.spec);
  if (!hooks?.onRequest || !hooks.onRequestBody || !hooks.onResponseHead || !hooks.onResponseBody)
    throw new Error("the bench's route does not validate");
  const metrics = createMetrics();
  const ctx = (): RequestContext =>
    ({
      req: { method: "POST", headers: { "content-type": "application/json" } },
      id: "bench",
      path: "/items",
      query: "",
      clientIp: "127.0.0.1",
      secure: false,
      contentType: "application/json",
      hasBody: true,
      identity: undefined,
      runtime: { metrics },
      locals: undefined,
    }) as unknown as RequestContext;
  let removed = 0;
  const once = () => {
    const c = ctx();
    if (hooks.onRequest?.(c) || hooks.onRequestBody?.(REQUEST, c)) throw new Error("refused");
    const head: ResponseHead = { status: 200, headers: { "content-type": "application/json" } };
    hooks.onResponseHead?.(head, c);
    if (hooks.onResponseBody?.(RESPONSE, head, c) !== undefined) removed++;
  };
  for (let i = 0; i < iterations / 4; i++) once(); // warm-up: optimised code, compiled regexps
  // The median of several batches: a shared machine steals whole batches, not single requests.
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations / 7; i++) once();
    batches.push(Number(process.hrtime.bigint() - started) / 1000 / (iterations / 7));
  }
  return { perRequest: median(batches), removed };
}

const FLOORS: Readonly<Record<string, number>> = { "node+undici": 0.7, fastify: 1.5 };

/** What a child process started with a role serves (its argument: the upstream's URL). */
const ROLES: Readonly<Record<string, (upstream: string) => Promise<string>>> = {
  upstream: () => serveUpstream(),
  plain: servePlainProxy,
  minimal: serveMinimalProxy,
  fastify: serveFastify,
  guard: (upstream) =>
    serveGuard(upstream, process.env.RAMPART_BENCH_VALIDATION === "off" ? "off" : "on"),
};

async function main(): Promise<void> {
  const [role, arg = ""] = process.argv.slice(2);
  const serve = role === undefined ? undefined : ROLES[role];
  if (serve) {
    process.once("SIGTERM", () => process.exit(0));
    process.stdout.write(`${await serve(arg)}\n`);
    return;
  }
  const { seconds, threads, rounds } = runOptions(process.argv);
  const warmup = numberOption(process.argv, "warmup", 8);
  // What else the machine was doing: on two shared cores the ratios move with it (RESULTS.md).
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const cost = await validationCost(35_000);
  if (!installed("wrk", ["-v"])) {
    process.stderr.write("bench/guard: wrk is not installed (Debian: apt-get install -y wrk)\n");
    process.stdout.write(`validation cost: ${cost.perRequest.toFixed(1)} µs per request\n`);
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-wrk-"));
  const lua = join(dir, "post.lua");
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(REQUEST.toString("utf8"))}\n`,
  );
  const processes: ChildProcess[] = [];
  const notes: string[] = [];
  const targets: Record<string, string> = {};
  const start = async (name: string, role: string, argument = "") => {
    const started = await child(role, argument, [], SCRIPT);
    if ("missing" in started) {
      notes.push(`${name}: not measured, ${started.missing}`);
      return;
    }
    processes.push(started.process);
    targets[name] = started.url;
  };
  try {
    await start("upstream", "upstream");
    const upstream = targets.upstream as string;
    await start("fastify", "fastify", upstream);
    await start("node+undici", "plain", upstream);
    await start("node minimal", "minimal", upstream);
    await start("rampart guard", "guard", upstream);
    const off = await child("guard", upstream, [], SCRIPT, {
      ...process.env,
      RAMPART_BENCH_VALIDATION: "off",
    });
    if ("missing" in off) throw new Error(off.missing);
    processes.push(off.process);
    targets["guard, validation off"] = off.url;
    // The body check: every stack must answer 200 to the bench's request.
    for (const [name, base] of Object.entries(targets)) {
      const res = await fetch(`${base}/items`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: REQUEST,
      });
      const text = await res.text();
      if (res.status !== 200)
        throw new Error(`${name} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    const names = Object.keys(targets);
    const rows: string[] = [];
    const ratioRows: string[] = [];
    const references = names.filter((n) => n !== "rampart guard");
    for (const connections of [32, 256]) {
      // Every stack starts with a GC transient: under load, V8 promotes in-flight requests to
      // the old generation until its first full collection (with --trace-gc: 3 to 6 s of this
      // load, scavenges of 5-10 ms against 1 ms after, the heap climbing to 90-130 MB then
      // falling to 40). Rounds measure each stack past it, in its steady state.
      for (const base of Object.values(targets))
        wrk(`${base}/items`, connections, connections === 32 ? warmup : 2, threads, ["-s", lua]);
      const results: Record<string, Result[]> = {};
      for (let round = 0; round < rounds; round++) {
        const order = names.map((_, i) => names[(i + round) % names.length] as string);
        for (const name of order) {
          const runs = results[name] ?? [];
          runs.push(wrk(`${targets[name]}/items`, connections, seconds, threads, ["-s", lua]));
          results[name] = runs;
        }
      }
      for (const name of names) {
        const runs = results[name] ?? [];
        rows.push(
          `| ${connections} | ${name} | ${Math.round(median(runs.map((r) => r.rps)))} | ${ms(median(runs.map((r) => r.p50)))} | ${ms(median(runs.map((r) => r.p99)))} |`,
        );
      }
      const guard = results["rampart guard"] ?? [];
      ratioRows.push(
        `| ${connections} | ${references
          .map((ref) => {
            const other = results[ref] ?? [];
            return ratioCell(
              guard.map((g, i) => g.rps / (other[i]?.rps ?? Number.NaN)),
              FLOORS[ref],
            );
          })
          .join(" | ")} |`,
      );
    }
    process.stdout.write(
      [
        `POST ${REQUEST.length} B JSON, answer ${RESPONSE.length} B JSON; wrk ${threads} thread(s), ${rounds} interleaved rounds of ${seconds} s after ${warmup} s of warm-up per stack, medians (ratios: median of per-round ratios, quartiles in brackets); loopback, node ${process.version}`,
        `load average: ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? Number.NaN).toFixed(2)} at the end (1 minute; the bench itself keeps about 2 processes busy)`,
        ...notes.map((n) => `note: ${n}`),
        "",
        "| connections | target | requests/s | p50 | p99 |",
        "|---|---|---|---|---|",
        ...rows,
        "",
        `| connections | ${references.map((r) => `guard / ${r}`).join(" | ")} |`,
        `|---|${references.map(() => "---|").join("")}`,
        ...ratioRows,
        "",
        `validation cost, in process: ${cost.perRequest.toFixed(1)} µs per request (request head and 1 KiB body, response head and 2 KiB body; ${cost.removed} of the timed responses rewritten)`,
        "",
      ].join("\n"),
    );
  } finally {
    for (const p of processes) p.kill();
  }
}

if (process.argv[1] === SCRIPT) await main();
