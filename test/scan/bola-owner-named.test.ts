import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { bolaReadCheck } from "../../src/scan/checks/access-control/bola.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * Score cards addressed by base64 of their key, with no list to find them by: `leaks` gives any
 * signed-in user any card; `owner-checked` only the owner's; `public` gives every card to
 * anyone, signed in or not.
 */
type Mode = "leaks" | "owner-checked" | "public";

const TOKENS: Record<string, number> = { "batman-token": 1, "superman-token": 2 };
const CARDS = [
  { key: 1, user: 1, exam: "Physics", score: 70 },
  { key: 56, user: 2, exam: "Chemistry", score: 81 },
];

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "exams", version: "1" },
  paths: {
    "/v1/exams/{card}/": {
      get: {
        parameters: [
          { name: "card", in: "path", required: true, schema: { type: "string", example: "MQ==" } },
        ],
        responses: { "200": { description: "a score card" } },
      },
    },
  },
};

async function examsApi(mode: Mode) {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/openapi.json") return send(200, DOCUMENT);
    const caller = TOKENS[(req.headers.authorization ?? "").replace(/^Bearer /, "")];
    if (caller === undefined && mode !== "public") return send(401, { detail: "no token" });
    const key = /^\/v1\/exams\/([^/]+)\/$/.exec(path)?.[1];
    const card = CARDS.find((c) => key && Buffer.from(key, "base64").toString() === String(c.key));
    if (!card || (mode === "owner-checked" && card.user !== caller))
      return send(404, { detail: "not found" });
    const { key: _, ...shown } = card;
    send(200, shown);
  });
  return listenLoopback(server);
}

function scan(url: string) {
  return runScan(
    {
      target: url,
      bearer: "batman-token",
      config: {
        identities: [
          { name: "batman", bearer: "batman-token" },
          { name: "superman", bearer: "superman-token" },
        ],
      },
    },
    { catalog, checks: [bolaReadCheck] },
  );
}

describe("PROC-02: an object no list shows, judged by the owner its record names", () => {
  test("batman's card (user: 1) read by superman too, refused to anonymous callers: found", async () => {
    await withServer(examsApi("leaks"), async (api) => {
      const report = await scan(api.url);
      const [found] = findingsOf(report, "proc-02-bola-read");
      assert.equal(found?.title, "User reads another user's object (BOLA)");
      assert.equal(found?.confidence, "medium");
      assert.match(found?.detail ?? "", /\/v1\/exams\/MQ==\/ names one owner \(user: 1\)/);
      assert.equal(report.items.find((i) => i.id === "PROC-02")?.verdict, "fail");
    });
  });

  test("only the owner reads the card: silent, and the operation counted as tried", async () => {
    await withServer(examsApi("owner-checked"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-bola-read"), []);
      const coverage = report.items
        .find((i) => i.id === "PROC-02")
        ?.coverage?.find((c) => c.check === "proc-02-bola-read");
      assert.equal(coverage?.probed, 1);
    });
  });

  test("cards public to anyone, signed in or not, are not reported", async () => {
    await withServer(examsApi("public"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-bola-read"), []);
    });
  });
});
