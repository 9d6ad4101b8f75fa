import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { after, before, beforeEach } from "node:test";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { guardFor, type RecordingUpstream, startUpstream } from "../guard/helpers.js";

/** The API key the fixture's guard accepts on its non-public route. */
export const API_KEY = "adversarial-suite-key-0123456789abcdef";

/**
 * The route table under attack, default policies throughout: one public route, one behind an
 * allow-list that excludes the test client (127.0.0.1 is not in 10.0.0.0/8), one that needs an
 * API key, one that takes JSON, XML and YAML bodies, and one whose bodies are streamed.
 */
export function attackedConfig(
  extra: Partial<Omit<GuardConfig, "upstream" | "listen">> = {},
): Omit<GuardConfig, "upstream" | "listen"> {
  return {
    routes: [
      { path: "/public/:file", public: true },
      { path: "/admin", allowFrom: ["10.0.0.0/8"], authentication: "upstream" },
      { path: "/admin/:id", allowFrom: ["10.0.0.0/8"], authentication: "upstream" },
      { path: "/private" },
      {
        path: "/api/items",
        methods: ["GET", "POST"],
        authentication: "upstream",
        accepts: ["application/json", "application/xml", "application/yaml"],
        bodyLimit: 64 * 1024,
      },
      // No body check reads octet streams: their bodies are streamed to the upstream.
      {
        path: "/upload",
        methods: ["POST"],
        authentication: "upstream",
        accepts: ["application/octet-stream"],
        bodyLimit: 64 * 1024,
      },
    ],
    auth: {
      apiKeys: [{ name: "ci", hash: `sha256:${sha256(API_KEY)}` }],
      forward: { apiKey: "X-Auth-Key" },
    },
    ...extra,
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A recording upstream behind a guard with {@link attackedConfig}. */
export interface Target {
  readonly upstream: RecordingUpstream;
  readonly url: string;
  close(): Promise<void>;
}

export async function startTarget(
  extra: Partial<Omit<GuardConfig, "upstream" | "listen">> = {},
): Promise<Target> {
  const upstream = await startUpstream();
  const guard = await guardFor(upstream.url, attackedConfig(extra));
  return {
    upstream,
    url: guard.url,
    async close() {
      await guard.close();
      await upstream.close();
    },
  };
}

/** What a permissive upstream saw: the raw target and the path a lenient framework routes. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly effective: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A tiny node:http server with no guard in front and Node's lenient parser (as many older or
 * hand-written upstreams are): it records every request it parses, with the path a lenient
 * framework would route ({@link lenientPath}). It is the "guard absent" side of each case.
 */
export async function startPermissive(options: { maxHeaderSize?: number } = {}): Promise<{
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}> {
  const seen: Seen[] = [];
  const server = createServer({ insecureHTTPParser: true, ...options }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        // IIS URL Rewrite and Symfony route by these headers when a request carries them.
        effective: lenientPath(
          String(req.headers["x-original-url"] ?? req.headers["x-rewrite-url"] ?? req.url ?? ""),
        ),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("latin1"),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export type Permissive = Awaited<ReturnType<typeof startPermissive>>;

/**
 * Registers a bypass suite's hooks: the guarded target and a permissive upstream start before
 * the suite and close after it, their records cleared before each test. `withoutGuard` is the
 * proof side: it sends the bytes with no guard in front and returns the paths routed.
 */
export function bypassSuite(permissiveOptions: { maxHeaderSize?: number } = {}): {
  readonly target: Target;
  readonly permissive: Permissive;
  withoutGuard(bytes: string): Promise<string[]>;
} {
  let target: Target | undefined;
  let permissive: Permissive | undefined;
  before(async () => {
    target = await startTarget();
    permissive = await startPermissive(permissiveOptions);
  });
  after(async () => {
    await target?.close();
    await permissive?.close();
  });
  beforeEach(() => {
    target?.upstream.reset();
    if (permissive) permissive.seen.length = 0;
  });
  return {
    get target() {
      return target as Target;
    },
    get permissive() {
      return permissive as Permissive;
    },
    async withoutGuard(bytes) {
      const started = permissive as Permissive;
      await exchange(started.url, bytes);
      return started.seen.map((s) => s.effective);
    },
  };
}

/**
 * The path as the most lenient of common servers resolves it: absolute-form targets reduced to
 * their path, percent-decoding repeated (double encoding), overlong UTF-8 accepted, Unicode
 * compatibility forms folded (NFKC: fullwidth letters and solidus), backslashes as slashes,
 * `;` parameters dropped (Tomcat), empty and dot segments resolved, trailing dots dropped
 * (Windows), case folded (IIS).
 *
 * @example
 * ```ts
 * lenientPath("/x/..%252fADMIN;a=1"); // "/admin"
 * lenientPath("/admin%00.json"); // "/admin"
 * ```
 */
export function lenientPath(target: string): string {
  let path = target.split("?")[0] ?? "";
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(path);
  if (absolute) path = absolute[1] ?? "/";
  for (let round = 0; round < 3 && path.includes("%"); round++) path = lenientDecode(path);
  // C strings end at NUL: "/admin%00.json" is "/admin" there.
  path = (path.split("\0")[0] ?? "").normalize("NFKC").replaceAll("\\", "/").toLowerCase();
  const out: string[] = [];
  for (const part of path.split("/")) {
    const base = part.split(";")[0] ?? "";
    const segment = /^\.+$/.test(base) ? base : base.replace(/\.+$/, "");
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}

function lenientDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "%" && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else for (const b of Buffer.from(text[i] as string, "utf8")) bytes.push(b);
  }
  // Overlong two-byte forms (C0 AE is ".", C0 AF is "/"): decoders of old accepted them.
  const folded: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const next = bytes[i + 1];
    if ((b === 0xc0 || b === 0xc1) && next !== undefined && (next & 0xc0) === 0x80) {
      folded.push(((b & 0x1f) << 6) | (next & 0x3f));
      i++;
    } else folded.push(b);
  }
  return Buffer.from(folded).toString("utf8");
}

/** One HTTP/1.1 response read off a raw socket. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What came back on a raw connection. */
export interface Exchange {
  readonly responses: RawResponse[];
  /** The server closed (or reset) the connection. */
  readonly closed: boolean;
  readonly text: string;
}

/**
 * Writes `parts` on a fresh connection (with `gapMs` between them), then reads until the server
 * closes, or until nothing arrived for `idleMs` after the last write (the connection is then
 * dropped by the client and `closed` is false).
 */
export function exchange(
  url: string,
  parts: string | Buffer | readonly (string | Buffer)[],
  options: { gapMs?: number; idleMs?: number } = {},
): Promise<Exchange> {
  const { gapMs = 0, idleMs = 1000 } = options;
  const list = typeof parts === "string" || Buffer.isBuffer(parts) ? [parts] : parts;
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(target.port), target.hostname);
    const chunks: Buffer[] = [];
    let idle: NodeJS.Timeout | undefined;
    let writing = true;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      resolve({ responses: parseResponses(text), closed, text });
    };
    const arm = () => {
      clearTimeout(idle);
      if (!writing) idle = setTimeout(() => finish(false), idleMs);
    };
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      arm();
    });
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.on("connect", async () => {
      for (const [i, part] of list.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (socket.destroyed) break;
        socket.write(typeof part === "string" ? Buffer.from(part, "latin1") : part);
      }
      writing = false;
      arm();
    });
  });
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length, chunked or close-delimited). */
export function parseResponses(text: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) break;
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    rest = rest.slice(end + 4);
    let body = "";
    if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      body = rest.slice(0, length);
      rest = rest.slice(length);
    } else if (headers["transfer-encoding"]?.includes("chunked")) {
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        if (lineEnd === -1) break;
        const size = Number.parseInt(rest.slice(0, lineEnd), 16);
        rest = rest.slice(lineEnd + 2);
        if (!(size > 0)) {
          rest = rest.slice(rest.indexOf("\r\n") + 2);
          break;
        }
        body += rest.slice(0, size);
        rest = rest.slice(size + 2);
      }
    } else if (status >= 200 && status !== 204 && status !== 304) {
      body = rest;
      rest = "";
    }
    if (status >= 200) out.push({ status, headers, body });
  }
  return out;
}

/** The first answer of an exchange; fails when there is none. */
export function firstAnswer(ex: Exchange): RawResponse {
  const [res] = ex.responses;
  assert.ok(res, `no answer (closed: ${ex.closed})`);
  return res;
}

/** Asserts an RFC 9457 problem: the media type, a parseable body, `title`, `status` = the status. */
export function assertProblem(res: RawResponse, status?: number): void {
  if (status !== undefined) assert.equal(res.status, status, `status: ${res.status}`);
  assert.ok(res.status >= 400 && res.status < 600, `not an error status: ${res.status}`);
  assert.equal(res.headers["content-type"], "application/problem+json");
  const body = JSON.parse(res.body) as { title?: unknown; status?: unknown };
  assert.equal(typeof body.title, "string");
  assert.equal(body.status, res.status);
}

/**
 * A guard refusal: either a well-formed problem (a policy refused) or Node's own parser answer
 * (a bare 4xx) followed by the connection being closed (the request never became a request).
 */
export function assertRefusedOrClosed(ex: Exchange, status?: number): void {
  const [first] = ex.responses;
  if (first === undefined) {
    assert.ok(ex.closed, "no answer and the connection stayed open");
    return;
  }
  if (status !== undefined) assert.equal(first.status, status, ex.text.slice(0, 200));
  assert.ok(first.status >= 400, `not a refusal: ${first.status}`);
  if (first.headers["content-type"] === "application/problem+json") assertProblem(first);
  else assert.ok(ex.closed, `a bare ${first.status} must close the connection`);
}

/** `METHOD target HTTP/1.1` with Host and the given header lines, then an empty line and `body`. */
export function http11(
  method: string,
  target: string,
  headerLines: readonly string[] = [],
  body = "",
): string {
  return `${method} ${target} HTTP/1.1\r\nHost: example.test\r\n${headerLines.map((h) => `${h}\r\n`).join("")}\r\n${body}`;
}
