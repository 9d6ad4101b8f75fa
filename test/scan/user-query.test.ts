import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { userQueryCheck } from "../../src/scan/checks/access-control/user-query.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/** Whose notes `GET /api/notes?username=` returns: the named user's, or only the caller's own. */
type Mode = "trusts-param" | "checks-caller" | "same-for-all";

const NOTES: Readonly<Record<string, string[]>> = {
  alice: ["alice's diary", "alice's bank pin hint"],
  bob: ["bob's shopping list"],
};

async function notesApi(mode: Mode) {
  const document = {
    openapi: "3.0.3",
    info: { title: "notes", version: "1" },
    paths: {
      "/api/login": { post: { responses: { "200": { description: "ok" } } } },
      "/api/notes": {
        get: {
          parameters: [{ name: "username", in: "query", schema: { type: "string" } }],
          responses: { "200": { description: "ok" } },
        },
      },
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === "/openapi.json") return json(200, document);
      if (url.pathname === "/api/login") {
        const { username } = JSON.parse(Buffer.concat(chunks).toString() || "{}") as {
          username?: string;
        };
        return username && NOTES[username]
          ? json(200, { token: `tok-${username}-5c1e9a7d3b` })
          : json(401, { error: "bad login" });
      }
      const caller = /^Bearer tok-(\w+)-5c1e9a7d3b$/.exec(req.headers.authorization ?? "")?.[1];
      if (!caller) return json(401, { error: "unauthorized" });
      const named = url.searchParams.get("username") ?? caller;
      if (mode === "same-for-all") return json(200, { notes: ["welcome to notes"] });
      if (mode === "checks-caller" && named !== caller) return json(403, { error: "forbidden" });
      json(200, { username: named, notes: NOTES[named] ?? [] });
    });
  });
  return listenLoopback(server);
}

function scan(url: string) {
  const identity = (name: string) => ({
    name,
    login: { path: "/api/login", body: { username: name, password: `${name}-pass-1` } },
  });
  return runScan(
    { target: url, config: { identities: [identity("alice"), identity("bob")] } },
    { catalog, checks: [userQueryCheck] },
  );
}

describe("PROC-02: another user's data by naming them in the query (?username=)", () => {
  test("bob asks for ?username=alice and gets alice's notes: found", async () => {
    await withServer(notesApi("trusts-param"), async (api) => {
      const report = await scan(api.url);
      const [found] = findingsOf(report, "proc-02-user-query");
      assert.equal(found?.title, "User reads another user's data through a query parameter (BOLA)");
      assert.equal(found?.evidence.request, "GET /api/notes?username=alice HTTP/1.1");
      assert.equal(report.items.find((i) => i.id === "PROC-02")?.verdict, "fail");
    });
  });

  for (const mode of ["checks-caller", "same-for-all"] as const)
    test(`${mode === "checks-caller" ? "the caller checked (403)" : "the same public answer for everyone"}: silent`, async () => {
      await withServer(notesApi(mode), async (api) => {
        const report = await scan(api.url);
        assert.deepEqual(findingsOf(report, "proc-02-user-query"), []);
        const run = report.items
          .find((i) => i.id === "PROC-02")
          ?.coverage?.find((c) => c.check === "proc-02-user-query");
        assert.equal(run?.probed, 1);
      });
    });
});
