import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { evilAddress, redosCheck } from "../../src/scan/checks/processing/redos.js";
import { runScan } from "../../src/scan/engine.js";
import { findingsOf } from "./access-helpers.js";

/**
 * A sign-up that checks the address before anything else, on the request path:
 * - `backtracking`: the widely copied pattern with nested quantifiers (CWE-1333);
 * - `linear`: a pattern without them;
 * - `slow`: the linear pattern, after 600 ms of work whatever the input (slow, not ReDoS).
 * It runs in a worker thread: its blocked event loop must not be the scanner's as well.
 */
type Validation = "backtracking" | "linear" | "slow";

const SERVER = `
const { createServer } = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const patterns = {
  backtracking: /^([a-zA-Z0-9_.-])+@(([a-zA-Z0-9-])+\\.)+([a-zA-Z0-9]{2,4})+$/,
  linear: /^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$/,
};
patterns.slow = patterns.linear;
const document = ${JSON.stringify({
  openapi: "3.1.0",
  info: { title: "sign-up", version: "1" },
  paths: {
    "/users": {
      post: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { email: { type: "string" }, password: { type: "string" } },
              },
            },
          },
        },
        responses: { "201": { description: "" } },
      },
    },
  },
})};
let created = 0;
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => { body += chunk; });
  req.on("end", () => {
    const json = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/openapi.json") return json(200, document);
    if (req.url === "/" && req.method === "GET") return json(200, { name: "sign-up", created });
    if (req.url !== "/users" || req.method !== "POST") return json(404, {});
    if (workerData === "slow") { const until = Date.now() + 600; while (Date.now() < until); }
    const email = String(JSON.parse(body).email);
    if (!patterns[workerData].test(email) || email.endsWith("{")) return json(422, { error: "invalid email" });
    created++;
    return json(201, { email });
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;

async function api(validation: Validation): Promise<{ url: string; close(): Promise<void> }> {
  const worker = new Worker(SERVER, { eval: true, workerData: validation });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await worker.terminate();
    },
  };
}

/** How many accounts the server made (its root says). */
async function createdOn(url: string): Promise<number> {
  const res = await fetch(`${url}/`);
  return ((await res.json()) as { created: number }).created;
}

function scan(url: string): Promise<Report> {
  return runScan(
    { target: url, openapi: `${url}/openapi.json`, profile: "full" },
    { catalog: loadCatalog(), checks: [redosCheck] },
  );
}

describe("PROC-07 by ReDoS: an address pattern that backtracks on the request path", () => {
  test("found: four more characters double the time, and a concurrent read waits", async () => {
    const server = await api("backtracking");
    try {
      const report = await scan(server.url);
      const [finding] = findingsOf(report, "proc-07-redos");
      assert.equal(finding?.title, "An address blocks the server (ReDoS)");
      assert.match(finding?.evidence.note ?? "", /a concurrent GET \/ waited \d+ ms/);
      assert.equal(report.items.find((i) => i.id === "PROC-07")?.verdict, "fail");
      assert.equal(await createdOn(server.url), 0);
    } finally {
      await server.close();
    }
  });
});

describe("PROC-07 by ReDoS, silent where the time does not grow with the input", () => {
  for (const [validation, why] of [
    ["linear", "a pattern without nested quantifiers"],
    ["slow", "an endpoint slow for every input alike"],
  ] as const) {
    test(`silent: ${why}`, async () => {
      const server = await api(validation);
      try {
        const report = await scan(server.url);
        assert.deepEqual(findingsOf(report, "proc-07-redos"), []);
      } finally {
        await server.close();
      }
    });
  }

  test("the probe address is invalid for any pattern: it ends in a character none allows", () => {
    assert.match(evilAddress(12), /^rampart@rampart\.a{12}\{$/);
  });
});
