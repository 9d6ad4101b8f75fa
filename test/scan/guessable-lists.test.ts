import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { guessableIdsCheck } from "../../src/scan/checks/access-control/guessable-ids.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * An application described by no document, whose pages link to its lists (the scan learns them
 * by crawling, without any security information): `/app/usersapi` sends callers without a
 * session to the login page, `/app/catalogue` is public. Both list objects with integer ids.
 */
async function appApi(ids: "sequential" | "random") {
  const id = (n: number) => (ids === "sequential" ? n : `u-${n}-${(n * 7919).toString(36)}x9`);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end('<a href="/app/usersapi">users</a> <a href="/app/catalogue">catalogue</a>');
    }
    if (path === "/app/catalogue") return json(200, [{ id: 1 }, { id: 2 }, { id: 3 }]);
    if (path === "/app/usersapi") {
      if (req.headers.cookie !== "sid=alice") {
        res.writeHead(302, { location: "/login" });
        return res.end();
      }
      return json(200, {
        success: true,
        users: [1, 2, 3, 4].map((n) => ({ id: id(n), login: `u${n}` })),
      });
    }
    json(404, { error: "not found" });
  });
  return listenLoopback(server);
}

function scan(url: string) {
  return runScan(
    { target: url, headers: { cookie: "sid=alice" } },
    { catalog, checks: [guessableIdsCheck] },
  );
}

describe("PROC-03 on undescribed lists that refuse anonymous callers", () => {
  test("a users list behind a login redirect with ids 1..4: sequential integer ids found", async () => {
    await withServer(appApi("sequential"), async (api) => {
      const findings = findingsOf(await scan(api.url), "proc-03-guessable-ids");
      assert.deepEqual(
        findings.map((f) => [f.title, f.evidence.request]),
        [["Sequential integer ids", "GET /app/usersapi HTTP/1.1"]],
      );
    });
  });

  test("random ids behind the login, integers only in a public catalogue: silent", async () => {
    await withServer(appApi("random"), async (api) => {
      assert.deepEqual(findingsOf(await scan(api.url), "proc-03-guessable-ids"), []);
    });
  });
});
