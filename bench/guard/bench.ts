/**
 * Reproducible loopback benchmark of `rampart guard` (issue 6, "bench/guard/"): the same wrk load
 * against the upstream directly, a plain node:http + undici proxy, and the guard with its default
 * policies; 39-byte and 16 KiB responses; 32 and 256 connections. Each server runs in its own
 * process so that none shares an event loop with another.
 *
 *   npm run build && node dist/bench/guard/bench.js [--duration 5] [--threads 1] [--rounds 3]
 *
 * Needs wrk (Debian: apt-get install -y wrk). Prints a Markdown table and the guard's ratios.
 * nginx (Debian: apt-get install -y nginx-light) joins the run when it is installed, configured
 * with the guard's default headers and limits, one worker like the one node process. fastify is
 * not in this run yet (its packages are not dependencies of the project).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { Pool } from "undici";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
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

async function serveGuard(upstream: string): Promise<string> {
  const table = buildRouteTable({
    listen: "127.0.0.1:0",
    upstream,
    server: { keepAliveTimeoutMs: 60_000 },
    defaults: { authentication: "upstream" },
    routes: [{ path: "/small" }, { path: "/large" }],
  });
  // Access logs are written, as in production, to a sink that costs no disk.
  const guard = await startGuard({
    table,
    log: pino.destination({ dest: "/dev/null", sync: false }),
  });
  return guard.url;
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

interface Result {
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
}

function wrk(url: string, connections: number, seconds: number, threads: number): Result {
  const out = execFileSync(
    "wrk",
    [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", url],
    { encoding: "utf8" },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? "?";
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? "?";
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`non-2xx answers from ${url}:\n${out}`);
  return { rps, p50, p99 };
}

function child(role: string, arg = ""): Promise<{ url: string; process: ChildProcess }> {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [script, role, arg], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.setEncoding("utf8");
    proc.stdout?.once("data", (line: string) => resolve({ url: line.trim(), process: proc }));
    proc.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const [role, arg] = process.argv.slice(2);
  if (role === "upstream" || role === "plain" || role === "guard") {
    const url =
      role === "upstream"
        ? await serveUpstream()
        : role === "plain"
          ? await servePlainProxy(arg as string)
          : await serveGuard(arg as string);
    process.stdout.write(`${url}\n`);
    return;
  }
  const option = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : Number(process.argv[i + 1]);
  };
  const seconds = option("duration", 5);
  const threads = option("threads", 1);
  const rounds = option("rounds", 3);
  const upstream = await child("upstream");
  const plain = await child("plain", upstream.url);
  const guard = await child("guard", upstream.url);
  const nginx = await startNginx(upstream.url);
  const targets: Record<string, string> = {
    upstream: upstream.url,
    ...(nginx ? { nginx: nginx.url } : {}),
    "node+undici": plain.url,
    "rampart guard": guard.url,
  };
  const rows: string[] = [];
  const ratios: string[] = [];
  try {
    for (const [size, path] of [
      ["39 B", "/small"],
      ["16 KiB", "/large"],
    ] as const) {
      for (const connections of [32, 256]) {
        const results: Record<string, Result> = {};
        for (const base of Object.values(targets)) wrk(`${base}${path}`, connections, 1, threads); // warm-up
        // Rounds interleave the targets so that a burst of noise on a shared machine hits all of
        // them alike; the best round of each counts.
        for (let round = 0; round < rounds; round++) {
          for (const [name, base] of Object.entries(targets)) {
            const r = wrk(`${base}${path}`, connections, seconds, threads);
            if (!results[name] || r.rps > (results[name]?.rps ?? 0)) results[name] = r;
          }
        }
        for (const [name, r] of Object.entries(results))
          rows.push(
            `| ${size} | ${connections} | ${name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} |`,
          );
        const g = results["rampart guard"]?.rps ?? 0;
        const p = results["node+undici"]?.rps ?? 1;
        const n = results.nginx?.rps;
        ratios.push(
          `| ${size} | ${connections} | ${(g / p).toFixed(2)}x | ${n ? `${(g / n).toFixed(2)}x` : "-"} |`,
        );
      }
    }
  } finally {
    for (const c of [upstream, plain, guard, nginx]) c?.process.kill();
  }
  process.stdout.write(
    [
      `wrk ${threads} thread(s), best of ${rounds} interleaved ${seconds} s runs, loopback, node ${process.version}`,
      "",
      "| response | connections | target | requests/s | p50 | p99 |",
      "|---|---|---|---|---|---|",
      ...rows,
      "",
      "| response | connections | guard / node+undici | guard / nginx |",
      "|---|---|---|---|",
      ...ratios,
      "",
    ].join("\n"),
  );
}

await main();
