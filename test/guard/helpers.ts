import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { connect } from "node:net";
import type { TestContext } from "node:test";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { type Guard, startGuard } from "../../src/guard/server.js";

/** What reached the upstream. */
export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

/** A small upstream on loopback that records every request and answers with `reply`. */
export interface RecordingUpstream {
  readonly url: string;
  readonly requests: Recorded[];
  /** The answer to the next requests; by default 200 `{"ok":true}` as application/json. */
  reply: (request: Recorded) => Reply | Promise<Reply>;
  /** Clears the record and restores the default reply. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY = (): Reply => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: '{"ok":true}',
});

export async function startUpstream(): Promise<RecordingUpstream> {
  const requests: Recorded[] = [];
  const state = { reply: DEFAULT_REPLY as (request: Recorded) => Reply | Promise<Reply> };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const recorded: Recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      const reply = await state.reply(recorded);
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    get reply() {
      return state.reply;
    },
    set reply(fn) {
      state.reply = fn;
    },
    reset() {
      requests.length = 0;
      state.reply = DEFAULT_REPLY;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Captured log lines of a guard, parsed. */
export interface LogSink {
  readonly lines: Record<string, unknown>[];
  readonly text: () => string;
  write(line: string): void;
}

export function logSink(): LogSink {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    text: () => raw.join(""),
    write(line: string) {
      raw.push(line);
      for (const l of line.split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l));
    },
  };
}

/**
 * A guard on 127.0.0.1:0 in front of an upstream (the caller closes it). The config
 * gets `listen` and `upstream` filled in.
 */
export async function guardFor(
  upstreamUrl: string,
  config: Omit<GuardConfig, "upstream" | "listen">,
  log: LogSink = logSink(),
): Promise<Guard & { log: LogSink }> {
  const table = buildRouteTable({ listen: "127.0.0.1:0", upstream: upstreamUrl, ...config });
  const guard = await startGuard({ table, log });
  return Object.assign(guard, { log });
}

/**
 * A recording upstream with a guard in front of it, both closed when the test ends.
 *
 * @example
 * ```ts
 * const { url, upstream } = await guarded(t, { routes: [{ path: "/api/*", public: true }] });
 * ```
 */
export async function guarded(
  t: TestContext,
  config: Omit<GuardConfig, "upstream" | "listen">,
): Promise<{ url: string; upstream: RecordingUpstream }> {
  const upstream = await startUpstream();
  const guard = await guardFor(upstream.url, config);
  t.after(async () => {
    await guard.close();
    await upstream.close();
  });
  return { url: guard.url, upstream };
}

/** Sends bytes as they are on a fresh connection (end them with `Connection: close`); returns the status and the raw answer. */
export function rawRequest(url: string, bytes: string): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.on("end", () =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }),
    );
    socket.on("error", reject);
    socket.on("connect", () => socket.write(bytes, "latin1"));
    socket.setTimeout(5000, () => socket.destroy(new Error("raw request timed out")));
  });
}

/**
 * A request whose path is sent exactly as written (the WHATWG URL parser used by `send` and
 * fetch would resolve dot segments and backslashes first, hiding the attack).
 */
export function sendPath(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: target.hostname,
        port: target.port,
        path,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
