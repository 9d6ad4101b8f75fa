import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { ghostOf, methodSwitchCheck } from "../../src/scan/checks/access-control/method-switch.js";
import { runScan } from "../../src/scan/engine.js";
import { startDemo } from "../helpers/demo-client.js";
import { findingsOf, scanWith } from "./access-helpers.js";
import { countingServer } from "./scan-helpers.js";

/**
 * Notes addressed by a number. The document protects every write; the server may forget the
 * caller check on DELETE (it looks the note up first), or not route DELETE at all.
 */
const DOCUMENT = {
  openapi: "3.1.0",
  info: { title: "notes", version: "1" },
  components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  security: [{ bearer: [] }],
  paths: {
    "/notes": { get: { responses: { "200": { description: "" } } } },
    "/notes/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
      get: { responses: { "200": { description: "" } } },
      patch: { responses: { "200": { description: "" } } },
    },
  },
};

type DeleteRoute = "open" | "protected" | "unrouted";

/** Express-like: an unrouted method or path is "Cannot METHOD /path" (HTML 404). */
function stub(deleteRoute: DeleteRoute, deleted: string[]) {
  const notes = new Map([["7", { id: 7, text: "ann's note" }]]);
  return (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    if (url.pathname === "/openapi.json") return json(200, DOCUMENT);
    const signedIn = req.headers.authorization === "Bearer ann-token";
    const item = /^\/notes\/([^/]+)$/.exec(url.pathname)?.[1];
    const routed =
      (url.pathname === "/notes" && method === "GET") ||
      (item !== undefined &&
        (method === "GET" ||
          method === "PATCH" ||
          method === "PUT" ||
          (method === "DELETE" && deleteRoute !== "unrouted")));
    if (!routed) {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      return res.end(`<pre>Cannot ${method} ${url.pathname}</pre>`);
    }
    if (method === "DELETE" && deleteRoute === "open") {
      // The flaw: the note is looked up, and deleted, whoever asks.
      if (!item || !notes.has(item)) return json(404, { error: "no such note" });
      notes.delete(item);
      deleted.push(item);
      return json(200, { deleted: true });
    }
    if (!signedIn) return json(401, { error: "sign in" });
    if (url.pathname === "/notes") return json(200, [...notes.values()]);
    const note = item ? notes.get(item) : undefined;
    if (!note) return json(404, { error: "no such note" });
    if (method === "DELETE") {
      notes.delete(item as string);
      deleted.push(item as string);
      return json(200, { deleted: true });
    }
    return json(200, note);
  };
}

function scan(url: string): Promise<Report> {
  return runScan(
    {
      target: url,
      openapi: `${url}/openapi.json`,
      profile: "full",
      config: { identities: [{ name: "ann", bearer: "ann-token" }] },
    },
    { catalog: loadCatalog(), checks: [methodSwitchCheck] },
  );
}

describe("PROC-01 by switching the method: DELETE looks the item up without asking who calls", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  const deleted: string[] = [];
  let report: Report;
  before(async () => {
    server = await countingServer(stub("open", deleted));
    report = await scan(server.url);
  });
  after(() => server.close());

  test("anonymous DELETE reaching the handler while PATCH is refused is reported", () => {
    const findings = findingsOf(report, "proc-01-method-switch");
    assert.equal(findings.length, 1, JSON.stringify(findings, null, 1));
    assert.match(findings[0]?.evidence.request ?? "", /^DELETE \/notes\/\d+ HTTP\/1\.1/);
    assert.match(findings[0]?.detail ?? "", /was refused with 401/);
    assert.equal(report.items.find((i) => i.id === "PROC-01")?.verdict, "fail");
  });

  test("the probe deletes nothing: the id it sends does not exist", () => {
    assert.deepEqual(deleted, []);
  });
});

describe("PROC-01 by switching the method against routes that are consistent", () => {
  for (const [route, why] of [
    ["protected", "DELETE refuses anonymous callers like PATCH"],
    ["unrouted", "DELETE is not routed: the router's own 404 is not a handler"],
  ] as const) {
    test(`silent when ${why}`, async () => {
      const server = await countingServer(stub(route, []));
      try {
        const report = await scan(server.url);
        assert.deepEqual(findingsOf(report, "proc-01-method-switch"), []);
      } finally {
        await server.close();
      }
    });
  }
});

describe("PROC-01 by switching the method, on the demo", () => {
  test("delete-without-auth: the anonymous DELETE of an order is found, PATCH refused beside it", async () => {
    const api = await startDemo("delete-without-auth");
    try {
      const report = await scanWith(api, [methodSwitchCheck], { profile: "full" });
      const requests = findingsOf(report, "proc-01-method-switch").map((f) => f.evidence.request);
      assert.equal(requests.length, 1, requests.join("\n"));
      assert.match(requests[0] ?? "", /^DELETE \/api\/orders\/[0-9a-f-]{36} HTTP\/1\.1/);
    } finally {
      await api.close();
    }
  });

  test("hardened demo: every write of an item refuses anonymous callers alike, silent", async () => {
    const api = await startDemo("none");
    try {
      const report = await scanWith(api, [methodSwitchCheck], { profile: "full" });
      assert.deepEqual(findingsOf(report, "proc-01-method-switch"), []);
      assert.equal(report.checks.find((c) => c.id === "proc-01-method-switch")?.status, "ran");
    } finally {
      await api.close();
    }
  });
});

describe("ghostOf: a value of the example's shape that no object has", () => {
  test("numbers stay numbers below 2^31, UUIDs and ObjectIds keep their form", () => {
    const n = ghostOf("42");
    assert.match(n, /^\d+$/);
    assert.ok(Number(n) < 2 ** 31 && Number(n) > 2_000_000_000);
    assert.match(ghostOf("3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f"), /^[0-9a-f-]{36}$/);
    assert.match(ghostOf("64b7f0c2e13a4d5f6a7b8c9d"), /^[0-9a-f]{24}$/);
    assert.match(ghostOf("how-to-garden"), /^rampart-[0-9a-f]{10}$/);
  });
});
