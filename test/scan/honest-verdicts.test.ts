import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { formatReport } from "../../src/report/index.js";
import { securityTxtCheck } from "../../src/scan/checks/beyond/security-txt.js";
import { runScan } from "../../src/scan/engine.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import type { ScanCheck } from "../../src/scan/types.js";
import { demoPool } from "../helpers/demo-client.js";
import { catalog, countingServer, requestBodyOf } from "./scan-helpers.js";

const demo = demoPool();

/** An OpenAPI document with `reads` GET collections and `writes` POST operations. */
function bigDocument(reads: number, writes: number) {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < reads; i++)
    paths[`/things${i}`] = {
      get: {
        parameters: [{ name: "filter", in: "query", schema: { type: "string" } }],
        responses: { "200": { description: "ok" } },
      },
    };
  for (let i = 0; i < writes; i++)
    paths[`/actions${i}`] = {
      post: {
        requestBody: requestBodyOf({ name: { type: "string" } }),
        responses: { "201": { description: "created" } },
      },
    };
  return { openapi: "3.0.3", info: { title: "big", version: "1" }, paths };
}

/**
 * A plain API of documented operations (404 elsewhere, no security headers), that stops
 * listening after `dieAfter` requests when given: every later connection is refused.
 */
async function documentedApi(
  document: object,
  dieAfter?: number,
): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let count = 0;
  const known = new Set(Object.keys((document as { paths: object }).paths));
  let server = undefined as unknown as Server;
  const dead = new Promise<void>((resolve) => {
    server = createServer((req, res) => {
      count++;
      if (dieAfter !== undefined && count >= dieAfter) {
        server.close(() => resolve());
        server.closeAllConnections();
        req.socket.destroy();
        return;
      }
      const path = new URL(req.url ?? "/", "http://x").pathname;
      res.setHeader("content-type", "application/json");
      if (path === "/openapi.json") return res.end(JSON.stringify(document));
      if (!known.has(path)) {
        res.statusCode = 404;
        return res.end('{"error":"not found"}');
      }
      res.statusCode = req.method === "POST" ? 201 : 200;
      res.end('{"items":[{"name":"a"}]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: async () => {
      if (server.listening) {
        server.close();
        server.closeAllConnections();
      } else await dead;
    },
  };
}

describe("a target that dies mid-scan", () => {
  const document = bigDocument(12, 4);
  let healthy: Report;
  let dying: Report;
  before(async () => {
    const alive = await documentedApi(document);
    const doomed = await documentedApi(document, 40);
    try {
      healthy = await runScan({ target: alive.url }, { catalog, checks: SCAN_CHECKS });
      dying = await runScan({ target: doomed.url }, { catalog, checks: SCAN_CHECKS });
    } finally {
      await alive.close();
      await doomed.close();
    }
  });

  test("yields no new pass: what it did not answer is never evidence of a pass", () => {
    const was = new Map(healthy.items.map((i) => [i.id, i.verdict]));
    for (const item of dying.items) {
      if (item.verdict !== "pass") continue;
      assert.equal(was.get(item.id), "pass", `${item.id} passes only on the dying target`);
    }
    // The failing items of the healthy scan are not passes on the dying one.
    for (const item of healthy.items.filter((i) => i.verdict === "fail"))
      assert.notEqual(
        dying.items.find((i) => i.id === item.id)?.verdict,
        "pass",
        `${item.id} turned into a pass`,
      );
  });

  test("is reported as lost, and the grade does not flatter", () => {
    assert.match(dying.coverage?.targetLost ?? "", /stopped answering \(connection refused\)/);
    assert.ok((dying.coverage?.cutShort ?? 0) > 0, JSON.stringify(dying.coverage));
    assert.ok(dying.score <= healthy.score, `${dying.score} > ${healthy.score}`);
    const text = formatReport(dying, "text", { catalog });
    assert.match(text, /Warning: the target stopped answering/);
    assert.match(text, /cut short/);
  });
});

describe("a smaller budget never grades better", () => {
  for (const flaws of ["all", "none"]) {
    test(`the ${flaws === "all" ? "flawed" : "hardened"} demo: the score never rises as the budget falls`, async () => {
      const api = await demo(flaws);
      const scores: { budget: number; score: number; cutShort: number }[] = [];
      for (const budget of [25, 60, 150, 400]) {
        const report = await runScan(
          { target: api.url, maxRequests: budget },
          { catalog, checks: SCAN_CHECKS },
        );
        scores.push({ budget, score: report.score, cutShort: report.coverage?.cutShort ?? 0 });
      }
      for (let i = 1; i < scores.length; i++) {
        const [smaller, larger] = [scores[i - 1], scores[i]] as [
          (typeof scores)[number],
          (typeof scores)[number],
        ];
        assert.ok(smaller.score <= larger.score, JSON.stringify(scores));
        assert.ok(smaller.cutShort >= larger.cutShort, JSON.stringify(scores));
      }
      // The smallest budget leaves most of the checklist cut short: it cannot look good.
      assert.ok((scores[0]?.cutShort ?? 0) >= 5, JSON.stringify(scores));
    });
  }
});

describe("a description with hundreds of operations", () => {
  let api: Awaited<ReturnType<typeof documentedApi>>;
  let report: Report;
  before(async () => {
    api = await documentedApi(bigDocument(300, 100));
    report = await runScan(
      { target: api.url, profile: "full", maxRequests: 500 },
      { catalog, checks: SCAN_CHECKS },
    );
  });
  after(() => api.close());

  test("every check gets its share: none is starved of its first request by a greedy one", () => {
    assert.ok((report.requests ?? 0) <= 500);
    // Starved: cut off by the budget before sending a single request of its own.
    const starved = report.checks.filter(
      (c) =>
        c.status === "not_tested" &&
        c.reason === "request budget exhausted (--max-requests)" &&
        (c.requests ?? 0) === 0,
    );
    assert.deepEqual(
      starved.map((c) => c.id),
      [],
    );
    for (const id of [
      "ext-04-security-txt",
      "in-01-methods",
      "in-02-not-acceptable",
      "out-07-status-codes",
      "proc-08-debug",
      "ext-01-cors",
      "acc-04-directory-listing",
      "in-04-sql-injection",
      "in-04-reflected-xss",
    ])
      assert.equal(report.checks.find((c) => c.id === id)?.status, "ran", id);
  });

  test("what the budget cut is said, and the cut items are charged in the grade", () => {
    assert.equal(report.coverage?.budgetSpent, true);
    const in04 = report.items.find((i) => i.id === "IN-04");
    assert.equal(in04?.cutShort, true);
    assert.notEqual(in04?.verdict, "pass");
    assert.match(in04?.reason ?? "", /inputs beyond the first|budget/);
  });

  test("the headers of every operation answered are judged, not a sample", () => {
    const nosniff = report.items.find((i) => i.id === "OUT-01");
    assert.equal(nosniff?.verdict, "fail");
    const entry = nosniff?.coverage?.find((c) => c.check === "out-01-nosniff");
    assert.ok((entry?.probed ?? 0) >= 30, JSON.stringify(entry));
  });
});

describe("EXT-04 on a server that answers unknown paths with 500", () => {
  test("a 500 for /.well-known/security.txt is no security.txt; a 503 says nothing", async () => {
    for (const [status, verdict] of [
      // Best practice, not a vulnerability: an info finding, so the item warns.
      [500, "warn"],
      [503, "not_tested"],
    ] as const) {
      const server = await countingServer((_req, res) => {
        res.writeHead(status, { "content-type": "text/html" });
        res.end("<h1>Server Error</h1>");
      });
      try {
        const report = await runScan(
          { target: server.url },
          { catalog, checks: [securityTxtCheck] },
        );
        assert.equal(report.items.find((i) => i.id === "EXT-04")?.verdict, verdict, `${status}`);
      } finally {
        await server.close();
      }
    }
  });
});

describe("an operation that never answers", () => {
  test("is asked twice, then left alone: its probes do not each wait for the timeout", async () => {
    let hung = 0;
    const document = bigDocument(6, 0);
    const server = await countingServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/things0") {
        hung++;
        return; // never answered
      }
      res.setHeader("content-type", "application/json");
      if (path === "/openapi.json") return res.end(JSON.stringify(document));
      res.statusCode = Object.keys(document.paths).includes(path) ? 200 : 404;
      res.end('{"items":[]}');
    });
    try {
      const report = await runScan(
        { target: server.url, profile: "full", timeoutSeconds: 0.3 },
        { catalog, checks: SCAN_CHECKS },
      );
      // GET, PATCH... each method of it is one operation: at most two of each reached it.
      assert.ok(hung <= 10, `${hung} requests to the silent operation`);
      const sql = report.items.find((i) => i.id === "IN-04");
      assert.notEqual(sql?.verdict, "pass");
    } finally {
      await server.close();
    }
  });
});

describe("a target that stalls for everyone, then recovers", () => {
  test("is waited for: the requests caught in the stall are asked again and answered", async () => {
    let stalledUntil = 0;
    const server = await countingServer((req, res) => {
      const answer = () => {
        res.setHeader("content-type", "application/json");
        res.end('{"ok":true}');
      };
      // The probe's first request blocks the server for 2.5 s, as a regular expression gone
      // wild would: it and everything after it waits.
      if (req.url === "/item/0" && stalledUntil === 0) stalledUntil = Date.now() + 2500;
      const wait = stalledUntil - Date.now();
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
    const statuses: (number | undefined)[] = [];
    const probe: ScanCheck = {
      id: "probe-stall",
      items: ["OUT-01"],
      proves: [],
      severity: "info",
      intrusive: false,
      needs: [],
      title: "asks three times",
      async run(context) {
        for (let i = 0; i < 3; i++)
          statuses.push((await context.http.trySend({ url: `/item/${i}` }))?.status);
        return { findings: [], outcome: { status: "not_tested", reason: "probe" } };
      },
    };
    try {
      await runScan({ target: server.url, timeoutSeconds: 1 }, { catalog, checks: [probe] });
    } finally {
      await server.close();
    }
    assert.deepEqual(statuses, [200, 200, 200]);
  });
});
