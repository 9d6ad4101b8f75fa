import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanOptions } from "../../src/scan/options.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";

export const catalog = loadCatalog();

/** The login recipe of a demo user. */
export const DEMO_LOGIN = {
  path: "/auth/login",
  body: { username: "alice", password: DEMO_USERS.alice.password },
} as const;

/** Scans a demo (its HTTPS side when it has one), logged in as alice, safe profile. */
export function scanDemo(api: DemoApi, options: Partial<ScanOptions> = {}): Promise<Report> {
  return runScan(
    { target: api.tlsUrl ?? api.url, login: DEMO_LOGIN, ...options },
    { catalog, checks: SCAN_CHECKS },
  );
}

export function verdictOf(report: Report, item: string): { verdict: string; reason?: string } {
  const found = report.items.find((i) => i.id === item);
  if (!found) throw new Error(`no item ${item}`);
  return found;
}

/** What one check covered of an item, as the report says (undefined when it did not cover it). */
export function coverageOf(report: Report, item: string, check: string) {
  return report.items.find((i) => i.id === item)?.coverage?.find((c) => c.check === check);
}

export function findingsOf(report: Report, checkId: string) {
  return report.findings.filter((f) => f.checkId === checkId);
}

/** A loopback server that counts requests; `handler` answers them. */
export async function countingServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{
  url: string;
  count: () => number;
  maxInFlight: () => number;
  close(): Promise<void>;
}> {
  let count = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    count++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    req.resume();
    req.on("end", () => handler(req, res));
  });
  const listening = await listenLoopback(server);
  return { ...listening, count: () => count, maxInFlight: () => maxInFlight };
}

/**
 * Starts a test server on 127.0.0.1 (a free port) and gives its URL and a close that also ends
 * kept-alive connections.
 */
export async function listenLoopback(
  server: Server,
): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Serves `handler` on loopback with each request's body read whole as text first.
 *
 * @example
 * ```ts
 * const api = await textBodyServer((req, body, res) => res.end(body));
 * ```
 */
export function textBodyServer(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  return listenLoopback(
    createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => handler(req, body, res));
    }),
  );
}

/**
 * Runs `fn` against a test server as it starts, and closes the server afterwards whatever
 * happens (an assertion that fails included).
 *
 * @example
 * ```ts
 * await withServer(notesApi("echo"), async (api) => assert.ok(await scan(api.url)));
 * ```
 */
export async function withServer<T extends { close(): Promise<void> }, R>(
  started: Promise<T>,
  fn: (server: T) => Promise<R>,
): Promise<R> {
  const server = await started;
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

/** Answers 200 with the same JSON to every method on every path. */
export function catchAll(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end('{"ok":true}');
}

/**
 * An OpenAPI request body of one media type: an object schema that requires every property
 * given (`requestBodyOf({ name: { type: "string" } })`).
 */
export function requestBodyOf(
  properties: Record<string, unknown>,
  mediaType = "application/json",
): Record<string, unknown> {
  return {
    content: {
      [mediaType]: { schema: { type: "object", required: Object.keys(properties), properties } },
    },
  };
}
