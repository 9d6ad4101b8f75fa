/**
 * Reproducible loopback benchmark of `rampart guard` (issue 6, "bench/guard/"): the same wrk load,
 * in one run, against the upstream directly, nginx as a reverse proxy, a plain node:http + undici
 * proxy, fastify + @fastify/http-proxy + @fastify/helmet, and the guard with its default policies;
 * 39-byte and 16 KiB responses; 32 and 256 connections. Each server runs in its own process so
 * that none shares an event loop with another.
 *
 *   npm run build && node dist/bench/guard/bench.js [--duration 2] [--threads 1] [--rounds 11]
 *       [--cpu-prof DIR]   (writes a V8 CPU profile of the guard process into DIR)
 *
 * The machine may be shared and noisy: every round runs all the stacks back to back in a rotated
 * order, the table reports the median round of each stack, and the guard's ratios are the
 * medians of the per-round ratios (each measured seconds apart from its reference).
 *
 * Issue 7's JWT + rate-limit scenario is auth-bench.ts (same helpers, same plain proxy); results of
 * both, with the machine and what changed, are in RESULTS.md.
 *
 * Needs wrk (Debian: apt-get install -y wrk); says so and exits 2 when it is missing. nginx
 * (Debian: apt-get install -y nginx-light) and fastify (devDependencies) join when installed,
 * and the output says when they are not. nginx is configured with the guard's default headers
 * and limits, one worker like the one node process; fastify with helmet set to the same headers.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, writeFileSync, writeSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { Pool } from "undici";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { batchedLog } from "../../src/guard/ops/log-batch.js";
import { startGuard } from "../../src/guard/server.js";

const SMALL = Buffer.from('{"ok":true,"message":"hello, world!!"}\n'); // 39 bytes
const LARGE = Buffer.from(JSON.stringify({ data: "x".repeat(16 * 1024 - 12) })); // 16 KiB

async function serveUpstream(): Promise<string> {
  const server = createServer((req, res) => {
    const body = req.url === "/large" ? LARGE : SMALL;
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The baseline: what any node reverse proxy does at least (hop-by-hop removal, streaming). */
async function servePlainProxy(upstream: string): Promise<string> {
  const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    pool.request({ path: req.url ?? "/", method: req.method as "GET", headers, body: null }).then(
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
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/**
 * Where fastify's request log goes: a sink that costs no disk, written in 4 KiB batches as pino
 * recommends for production, synchronously: an asynchronous sink hands every write to libuv's
 * thread pool, whose wake-ups on this 2-core machine cost a logging stack ~15% of its requests.
 */
export function logSink(): ReturnType<typeof pino.destination> {
  return pino.destination({ dest: "/dev/null", sync: true, minLength: 4096 });
}

/**
 * Where the guard's access log goes: /dev/null behind the batching the CLI puts in front of
 * stdout (batchedLog: 4 KiB per write, as fastify's sink above).
 */
export function guardLogSink() {
  const fd = openSync("/dev/null", "w");
  return batchedLog({ write: (chunk: string) => writeSync(fd, chunk) });
}

async function serveGuard(upstream: string): Promise<string> {
  const table = buildRouteTable({
    listen: "127.0.0.1:0",
    upstream,
    server: { keepAliveTimeoutMs: 60_000 },
    defaults: { authentication: "upstream" },
    routes: [{ path: "/small" }, { path: "/large" }],
  });
  const guard = await startGuard({
    table,
    log: guardLogSink(),
  });
  return guard.url;
}

async function loadFastify() {
  const [app, proxy, helmet] = await Promise.all([
    import("fastify"),
    import("@fastify/http-proxy"),
    import("@fastify/helmet"),
  ]);
  return { fastify: app.default, proxy: proxy.default, helmet: helmet.default };
}

/**
 * fastify + @fastify/http-proxy (reply-from over undici) + @fastify/helmet set to the guard's
 * headers, fastify's request logging on (to a sink that costs no disk, as the guard's access
 * log). Reports itself missing when the packages are not installed.
 */
async function serveFastify(upstream: string): Promise<string> {
  let loaded: Awaited<ReturnType<typeof loadFastify>>;
  try {
    loaded = await loadFastify();
  } catch {
    return "missing: not installed (npm install -D fastify @fastify/http-proxy @fastify/helmet)";
  }
  const { fastify, proxy, helmet } = loaded;
  const app = fastify({
    logger: { level: "info", stream: logSink() },
    keepAliveTimeout: 60_000,
    requestTimeout: 30_000,
    bodyLimit: 1024 * 1024,
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    // Plain HTTP here, as the guard's listener in this bench: HSTS is for HTTPS (RFC 6797 7.2).
    strictTransportSecurity: false,
  });
  await app.register(proxy, {
    upstream,
    httpMethods: ["GET", "HEAD"],
    replyOptions: {
      rewriteHeaders: (headers: IncomingHttpHeaders) => {
        const { server: _server, "x-powered-by": _powered, ...rest } = headers;
        return rest;
      },
    },
  });
  return app.listen({ port: 0, host: "127.0.0.1" });
}

/** nginx as a reverse proxy with the guard's default response headers and request limits. */
async function startNginx(
  upstream: string,
): Promise<{ url: string; process: ChildProcess } | undefined> {
  try {
    execFileSync("nginx", ["-v"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-nginx-"));
  const port = await freePort();
  const up = new URL(upstream);
  const location = [
    "limit_except GET { deny all; }",
    "proxy_pass http://up;",
    "proxy_http_version 1.1;",
    'proxy_set_header Connection "";',
    "proxy_set_header X-Forwarded-For $remote_addr;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_hide_header X-Powered-By;",
  ].join(" ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log /dev/null;
  server_tokens off;
  upstream up { server ${up.hostname}:${up.port}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 1m;
    client_header_timeout 10s;
    client_body_timeout 30s;
    keepalive_timeout 60s;
    large_client_header_buffers 4 16k;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;
    add_header Referrer-Policy no-referrer always;
    add_header Cache-Control no-store always;
    location = /small { ${location} }
    location = /large { ${location} }
    location / { return 404; }
  }
}
`,
  );
  const proc = spawn(
    "nginx",
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
    {
      stdio: "ignore",
    },
  );
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return { url: `http://127.0.0.1:${port}`, process: proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill();
  throw new Error(`nginx did not start (see ${dir}/error.log)`);
}

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }),
  );
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

export interface Result {
  readonly rps: number;
  /** Latency percentiles in milliseconds. */
  readonly p50: number;
  readonly p99: number;
}

/** wrk prints latencies as "850.00us", "1.72ms", "1.04s". */
function millis(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? "");
  if (!m) return Number.NaN;
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * unit;
}

/** One wrk run; `extra` adds options (`-s script.lua`). Non-2xx answers fail the bench. */
export function wrk(
  url: string,
  connections: number,
  seconds: number,
  threads: number,
  extra: readonly string[] = [],
): Result {
  const out = execFileSync(
    "wrk",
    [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", ...extra, url],
    { encoding: "utf8" },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p50 = millis(/\s50%\s+(\S+)/.exec(out)?.[1]);
  const p99 = millis(/\s99%\s+(\S+)/.exec(out)?.[1]);
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`non-2xx answers from ${url}:\n${out}`);
  return { rps, p50, p99 };
}

/** A tool on the PATH answers; ENOENT (not installed) is the only "no". */
export function installed(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).error === undefined;
}

/**
 * A server role of `script` (this bench by default) in its own process; resolves `missing` when
 * the child reports it missing.
 */
export function child(
  role: string,
  arg = "",
  execArgv: readonly string[] = [],
  script = fileURLToPath(import.meta.url),
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string; process: ChildProcess } | { missing: string }> {
  const proc = spawn(process.execPath, [...execArgv, script, role, arg], {
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.setEncoding("utf8");
    proc.stdout?.once("data", (line: string) => {
      const text = line.trim();
      if (text.startsWith("missing: ")) resolve({ missing: text.slice(9) });
      else resolve({ url: text, process: proc });
    });
    proc.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/** The number after `--name` in `argv`, or `fallback` when the option is absent. */
export function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(argv[i + 1]);
}

/** `--duration`, `--threads`, `--rounds` and `--cpu-prof DIR`, shared by the guard benches. */
export function runOptions(argv: readonly string[]): {
  seconds: number;
  threads: number;
  rounds: number;
  profileDir: string | undefined;
} {
  const option = (name: string, fallback: number) => numberOption(argv, name, fallback);
  const profileAt = argv.indexOf("--cpu-prof");
  return {
    // Many short rounds rather than a few long ones: on a shared 2-core VM a stack's rate swings
    // by half from one few-second window to the next, and the median of many paired rounds is
    // what stays put from one run of the bench to the next.
    seconds: option("duration", 2),
    threads: option("threads", 1),
    rounds: option("rounds", 11),
    profileDir: profileAt === -1 ? undefined : argv[profileAt + 1],
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The lower and upper quartiles (nearest rank): the spread of per-round ratios. */
export function quartiles(values: readonly number[]): readonly [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return [at(0.25), at(0.75)];
}

/** A median ratio with the quartiles of the per-round ratios it came from. */
export function ratioCell(ratios: readonly number[], floor: number | undefined): string {
  const ratio = median(ratios);
  const [low, high] = quartiles(ratios);
  const verdict = floor === undefined ? "" : ratio >= floor ? " ok" : ` < ${floor}x`;
  return `${ratio.toFixed(2)}x (${low.toFixed(2)}-${high.toFixed(2)})${verdict}`;
}

export const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(2)} ms`);

/** The issue's floors: the guard against the plain node + undici proxy and the fastify stack. */
const FLOORS: Readonly<Record<string, number>> = { "node+undici": 0.8, fastify: 1.5 };

async function serve(role: string, arg: string): Promise<void> {
  // A profiled child writes its profile on a normal exit only.
  process.once("SIGTERM", () => process.exit(0));
  const url =
    role === "upstream"
      ? await serveUpstream()
      : role === "plain"
        ? await servePlainProxy(arg)
        : role === "fastify"
          ? await serveFastify(arg)
          : await serveGuard(arg);
  process.stdout.write(`${url}\n`);
}

async function main(): Promise<void> {
  const [role, arg] = process.argv.slice(2);
  if (role === "upstream" || role === "plain" || role === "guard" || role === "fastify") {
    await serve(role, arg as string);
    return;
  }
  const { seconds, threads, rounds, profileDir } = runOptions(process.argv);
  if (!installed("wrk", ["-v"])) {
    process.stderr.write(
      "bench/guard: wrk is not installed (Debian: apt-get install -y wrk); nothing was measured.\n",
    );
    process.exitCode = 2;
    return;
  }
  const notes: string[] = [];
  const processes: ChildProcess[] = [];
  const start = async (name: string, role: string, argument = "", execArgv: string[] = []) => {
    const started = await child(role, argument, execArgv);
    if ("missing" in started) {
      notes.push(`${name}: not measured, ${started.missing}`);
      return undefined;
    }
    processes.push(started.process);
    return started.url;
  };
  const targets: Record<string, string> = {};
  try {
    const upstream = (await start("upstream", "upstream")) as string;
    targets.upstream = upstream;
    const nginx = installed("nginx", ["-v"]) ? await startNginx(upstream) : undefined;
    if (nginx) {
      processes.push(nginx.process);
      targets.nginx = nginx.url;
    } else
      notes.push("nginx: not measured, not installed (Debian: apt-get install -y nginx-light)");
    const fastify = await start("fastify", "fastify", upstream);
    if (fastify) targets.fastify = fastify;
    // The floor's reference runs right before the guard in every round (the rotation keeps
    // neighbours together for up to 4 rounds): the ratio that has a floor is the least noisy.
    targets["node+undici"] = (await start("node+undici", "plain", upstream)) as string;
    targets["rampart guard"] = (await start(
      "rampart guard",
      "guard",
      upstream,
      profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
    )) as string;
    const names = Object.keys(targets);
    const rows: string[] = [];
    const ratioRows: string[] = [];
    const references = names.filter((n) => n !== "rampart guard");
    for (const [size, path] of [
      ["39 B", "/small"],
      ["16 KiB", "/large"],
    ] as const) {
      for (const connections of [32, 256]) {
        for (const base of Object.values(targets)) wrk(`${base}${path}`, connections, 1, threads); // warm-up
        const results: Record<string, Result[]> = {};
        for (let round = 0; round < rounds; round++) {
          // Rotate the order so that no stack always runs right after another one's load.
          const order = names.map((_, i) => names[(i + round) % names.length] as string);
          for (const name of order) {
            const runs = results[name] ?? [];
            runs.push(wrk(`${targets[name]}${path}`, connections, seconds, threads));
            results[name] = runs;
          }
        }
        for (const name of names) {
          const runs = results[name] ?? [];
          rows.push(
            `| ${size} | ${connections} | ${name} | ${Math.round(median(runs.map((r) => r.rps)))} | ${ms(median(runs.map((r) => r.p50)))} | ${ms(median(runs.map((r) => r.p99)))} |`,
          );
        }
        const guard = results["rampart guard"] ?? [];
        const cells = references.map((ref) => {
          const other = results[ref] ?? [];
          const ratios = guard.map((g, i) => g.rps / (other[i]?.rps ?? Number.NaN));
          return ratioCell(ratios, FLOORS[ref]);
        });
        ratioRows.push(`| ${size} | ${connections} | ${cells.join(" | ")} |`);
      }
    }
    process.stdout.write(
      [
        `wrk ${threads} thread(s), ${rounds} interleaved rounds of ${seconds} s, medians (ratios: median of per-round ratios, quartiles in brackets); loopback, node ${process.version}`,
        ...notes.map((n) => `note: ${n}`),
        "",
        "| response | connections | target | requests/s | p50 | p99 |",
        "|---|---|---|---|---|---|",
        ...rows,
        "",
        `| response | connections | ${references.map((r) => `guard / ${r}`).join(" | ")} |`,
        `|---|---|${references.map(() => "---|").join("")}`,
        ...ratioRows,
        "",
      ].join("\n"),
    );
  } finally {
    for (const p of processes) p.kill();
  }
}

// The auth bench imports the helpers above and runs its own main.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
