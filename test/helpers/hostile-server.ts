import { createServer as createHttp, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttps } from "node:https";
import { type AddressInfo, createServer as createNet, type Server, type Socket } from "node:net";
import { generate } from "selfsigned";
import type { Report } from "../../src/core/report.js";
import { runCli } from "./cli.js";

/**
 * What a hostile target does. HTTP modes answer through node:http (or node:https with `tls`);
 * raw modes write bytes no HTTP server library would, straight onto the socket.
 */
export type HostileMode =
  /** 302 to the very path that was asked for, forever. */
  | "redirect-self"
  /** Every path but /a redirects to /a, and /a redirects to /b: A -> B -> A. */
  | "redirect-ping-pong"
  /** 302 to `options.redirectTo` (another origin) on every path. */
  | "redirect-off-scope"
  /** 200 text/html streaming `options.hugeBytes` (default 200 MiB) of filler. */
  | "huge-body"
  /** 200 text/html that never ends: filler as fast as the client reads. */
  | "endless-body"
  /** Status line, headers and body one byte per second. */
  | "trickle"
  /** Status line and headers at once, then a body of one byte per second that never ends. */
  | "trickle-body"
  /** Accepts the connection, reads the request, never answers. */
  | "silent"
  /** `HTTP/1.1 2OO OK`: letters where the status code belongs. */
  | "bad-status-line"
  /** A header line without a colon. */
  | "header-without-colon"
  /** A NUL byte inside a header value. */
  | "header-nul"
  /** 10,000 header lines. */
  | "many-headers"
  /** Reads the TLS ClientHello, then resets the connection. */
  | "tls-reset"
  /** Answers the TLS ClientHello with random bytes. */
  | "tls-garbage"
  /** 200 with the same HTML page to every method and path; a real OpenAPI document if asked. */
  | "catch-all-html"
  /** 200 with the same JSON to every method and path; a real OpenAPI document if asked. */
  | "catch-all-json"
  /** 200 with the same "Index of /" page, links and all, to every method and path. */
  | "catch-all-index";

export interface HostileOptions {
  /** Serve over HTTPS with a fresh self-signed certificate (HTTP modes only). */
  readonly tls?: boolean;
  /** For redirect-off-scope: the origin to send clients to. */
  readonly redirectTo?: string;
  /** For huge-body. */
  readonly hugeBytes?: number;
  /** For catch-all modes: answer GET /openapi.json with this document (a SPA-style fallback). */
  readonly openapi?: object;
  /**
   * `GET /` gets a small, well-formed JSON answer and only the other requests meet the hostile
   * mode: the scan gets going, then every probe is trapped (not for the TLS modes).
   */
  readonly healthyRoot?: boolean;
}

export interface HostileServer {
  readonly url: string;
  /** Requests received (for raw modes: connections that sent anything). */
  count(): number;
  close(): Promise<void>;
}

/** The page a catch-all answers everywhere: a typical single-page-app shell. */
export const CATCH_ALL_PAGE =
  '<!doctype html><html><head><title>Shop</title></head><body><div id="app"></div><a href="/about">About</a></body></html>';

/** What `GET /` answers with `healthyRoot`. */
export const ROOT_BODY = '{"name":"hostile","version":"1"}';

/** An autoindex look-alike answered for every path, including made-up ones. */
export const INDEX_PAGE = [
  "<html><head><title>Index of /</title></head><body><h1>Index of /</h1><hr><pre>",
  '<a href="../">../</a>',
  '<a href="backup.sql">backup.sql</a>               01-Jan-2026 00:00     1048576',
  '<a href="config.yml">config.yml</a>               01-Jan-2026 00:00         512',
  "</pre><hr></body></html>",
].join("\n");

const RAW_ANSWERS: Partial<Record<HostileMode, () => string>> = {
  "bad-status-line": () => "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok",
  "header-without-colon": () =>
    "HTTP/1.1 200 OK\r\nContent-Type text/html\r\nContent-Length: 2\r\n\r\nok",
  "header-nul": () => "HTTP/1.1 200 OK\r\nX-Evil: a\u0000b\r\nContent-Length: 2\r\n\r\nok",
  "many-headers": () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `X-Filler-${i}: ${i}\r\n`);
    return `HTTP/1.1 200 OK\r\n${lines.join("")}Content-Length: 2\r\n\r\nok`;
  },
};

/**
 * Starts a loopback server that misbehaves in one way, for scanning it.
 *
 * @example
 * ```ts
 * const target = await startHostile("redirect-self");
 * try { await runCli(["scan", target.url]); } finally { await target.close(); }
 * ```
 */
export async function startHostile(
  mode: HostileMode,
  options: HostileOptions = {},
): Promise<HostileServer> {
  let count = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const raw = RAW_ANSWERS[mode];
  let server: Server;
  if (raw || mode === "silent" || mode.startsWith("trickle") || mode.startsWith("tls-")) {
    server = createNet((socket) => {
      socket.once("data", () => count++);
      socket.on("error", () => {});
      rawMode(mode, options, socket, raw, timers);
    });
  } else {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      count++;
      req.resume();
      res.on("error", () => {});
      httpMode(mode, options, req, res);
    };
    if (options.tls) {
      const pems = await generate([{ name: "commonName", value: "localhost" }], {
        keyType: "ec",
        curve: "P-256",
        algorithm: "sha256",
      });
      server = createHttps({ cert: pems.cert, key: pems.private }, handler);
    } else server = createHttp(handler);
  }
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls || mode.startsWith("tls-") ? "https" : "http";
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function rawMode(
  mode: HostileMode,
  options: HostileOptions,
  socket: Socket,
  raw: (() => string) | undefined,
  timers: Set<NodeJS.Timeout>,
): void {
  socket.once("data", (request: Buffer) => {
    if (options.healthyRoot && request.subarray(0, 6).toString("latin1") === "GET / ") {
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${ROOT_BODY.length}\r\nConnection: close\r\n\r\n${ROOT_BODY}`,
      );
      return;
    }
    if (mode === "silent") return;
    if (mode === "tls-reset") {
      socket.resetAndDestroy();
      return;
    }
    if (mode === "tls-garbage") {
      socket.end(Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256)));
      return;
    }
    if (mode === "trickle" || mode === "trickle-body") {
      const head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000\r\n\r\n";
      if (mode === "trickle-body") socket.write(head);
      const answer = Buffer.from(mode === "trickle" ? head : "x".repeat(1_000_000));
      let at = 0;
      const timer = setInterval(() => {
        if (at >= answer.length || socket.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        socket.write(answer.subarray(at, at + 1));
        at++;
      }, 1000);
      timers.add(timer);
      return;
    }
    socket.end(raw?.() ?? "");
  });
}

function httpMode(
  mode: HostileMode,
  options: HostileOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const path = req.url ?? "/";
  if (options.healthyRoot && req.method === "GET" && path === "/") {
    res.writeHead(200, { "Content-Type": "application/json" }).end(ROOT_BODY);
    return;
  }
  switch (mode) {
    case "redirect-self":
      res.writeHead(302, { Location: path, "Content-Length": "0" }).end();
      return;
    case "redirect-ping-pong":
      res.writeHead(302, { Location: path === "/a" ? "/b" : "/a", "Content-Length": "0" }).end();
      return;
    case "redirect-off-scope":
      res
        .writeHead(302, { Location: `${options.redirectTo ?? ""}${path}`, "Content-Length": "0" })
        .end();
      return;
    case "huge-body":
    case "endless-body":
      stream(res, mode === "huge-body" ? (options.hugeBytes ?? 200 * 1024 * 1024) : Infinity);
      return;
    case "catch-all-html":
    case "catch-all-json":
    case "catch-all-index":
      if (options.openapi && req.method === "GET" && path === "/openapi.json") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(options.openapi));
        return;
      }
      if (mode === "catch-all-json") {
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
        return;
      }
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(mode === "catch-all-index" ? INDEX_PAGE : CATCH_ALL_PAGE);
      return;
    default:
      throw new TypeError(`mode ${mode} is not an HTTP mode`);
  }
}

/** Writes `total` bytes of filler, honouring backpressure, until done or the client leaves. */
function stream(res: ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, "<p>filler</p>");
  res.writeHead(200, {
    "Content-Type": "text/html",
    ...(Number.isFinite(total) ? { "Content-Length": String(total) } : {}),
  });
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const part = total - sent < chunk.length ? chunk.subarray(0, total - sent) : chunk;
      sent += part.length;
      if (!res.write(part)) {
        res.once("drain", pump);
        return;
      }
    }
    if (sent >= total) res.end();
  };
  res.on("close", () => res.removeAllListeners("drain"));
  pump();
}

/** What a user sees of one `rampart scan` of a hostile target, and what it cost. */
export interface HostileScan {
  readonly code: number;
  readonly stderr: string;
  /** The `--format json` report; undefined when the scan ended without one (exit 3). */
  readonly report?: Report;
  readonly ms: number;
  /** Peak growth of heap plus buffers during the scan, in bytes (sampled every 10 ms). */
  readonly peakBytes: number;
}

/** The flags every hostile scan runs with: safe profile, a small budget, short timeouts. */
export const HOSTILE_FLAGS = ["--max-requests", "60", "--timeout", "2"] as const;

/**
 * Runs `rampart scan URL --format json` in-process with {@link HOSTILE_FLAGS}, timing it and
 * sampling memory while it runs.
 *
 * @example
 * ```ts
 * const { code, report, ms } = await scanHostile(target.url);
 * ```
 */
export async function scanHostile(
  url: string,
  extra: readonly string[] = [],
): Promise<HostileScan> {
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, used());
  }, 10);
  const started = performance.now();
  try {
    const { code, stdout, stderr } = await runCli([
      "scan",
      url,
      "--format",
      "json",
      ...HOSTILE_FLAGS,
      ...extra,
    ]);
    const ms = performance.now() - started;
    peak = Math.max(peak, used());
    return {
      code,
      stderr,
      ...(stdout.trim() ? { report: JSON.parse(stdout) as Report } : {}),
      ms,
      peakBytes: peak - before,
    };
  } finally {
    clearInterval(sampler);
  }
}
