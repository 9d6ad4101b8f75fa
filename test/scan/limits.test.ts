import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { describe, test } from "node:test";
import { limitsCheck } from "../../src/scan/checks/input/limits.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, requestBodyOf, verdictOf } from "./scan-helpers.js";

const ITEMS = Array.from({ length: 30 }, (_, i) => ({ name: `item ${i}` }));

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "limits", version: "1" },
  paths: {
    "/items": {
      get: {
        parameters: [{ name: "limit", in: "query", schema: { type: "integer" } }],
        responses: { "200": { description: "ok" } },
      },
      post: {
        requestBody: requestBodyOf({ name: { type: "string" } }),
        responses: { "201": { description: "created" } },
      },
    },
  },
};

function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let size = 0;
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      size += chunk.length;
      if (size <= max) body += chunk;
    });
    req.on("end", () => resolve(size > max ? undefined : body));
  });
}

/** A collection of 30 items (10 per page by default) and a create operation. */
async function api(bounded: boolean) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.setHeader("content-type", "application/json");
    if (url.pathname === "/openapi.json") return res.end(JSON.stringify(DOCUMENT));
    if (url.pathname !== "/items") {
      res.statusCode = 404;
      return res.end('{"error":"not found"}');
    }
    if (req.method === "GET") {
      const asked = Number(url.searchParams.get("limit") ?? 10);
      const limit = bounded ? Math.min(asked, 20) : asked;
      // The unbounded one echoes the page size it was asked for.
      return res.end(JSON.stringify({ items: ITEMS.slice(0, limit), limit, total: ITEMS.length }));
    }
    const body = await readBody(req, bounded ? 100_000 : Number.POSITIVE_INFINITY);
    if (body === undefined) {
      res.statusCode = 413;
      return res.end('{"error":"request entity too large"}');
    }
    if (bounded && /(\[){64}/.test(body)) {
      res.statusCode = 400;
      return res.end('{"error":"JSON nested too deep"}');
    }
    res.statusCode = 201;
    res.end('{"created":true}');
  });
  return listenLoopback(server);
}

describe("EXT-06 request limits, both ways", () => {
  test("unbounded: a 4 MiB body, deep nesting and limit=100000 are all taken", async () => {
    const target = await api(false);
    try {
      const report = await runScan(
        { target: target.url, profile: "full" },
        { catalog, checks: [limitsCheck] },
      );
      const titles = findingsOf(report, "ext-06-limits")
        .map((f) => f.title)
        .sort();
      assert.deepEqual(titles, [
        "JSON nesting not bounded",
        "Page size not bounded",
        "Request body size not bounded",
      ]);
      assert.equal(verdictOf(report, "EXT-06").verdict, "fail");
    } finally {
      await target.close();
    }
  });

  test("bounded: 413 for the body, a refusal naming the depth, the page capped", async () => {
    const target = await api(true);
    try {
      const report = await runScan(
        { target: target.url, profile: "full" },
        { catalog, checks: [limitsCheck] },
      );
      assert.deepEqual(findingsOf(report, "ext-06-limits"), []);
      // The capped page still returns more than the default: the probe cannot tell a cap of 20
      // from a small collection, so the item is partial rather than pass.
      const { verdict, reason } = verdictOf(report, "EXT-06");
      assert.equal(verdict, "partial", reason);
    } finally {
      await target.close();
    }
  });
});
