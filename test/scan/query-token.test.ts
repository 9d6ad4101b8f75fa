import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { credentialsInUrlCheck } from "../../src/scan/checks/input/credentials-in-url.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

const TOKEN = "tok-alice-9f2c4e71";

/**
 * The scan has no credentials of its own, only an identity: `GET /api/notes/7` refuses an
 * anonymous caller and answers alice's bearer token, and (`lenient`) the same token as
 * `?access_token=`, as OAuth libraries that implement RFC 6750 2.3 do.
 */
async function notesApi(lenient: boolean) {
  const document = {
    openapi: "3.0.3",
    info: { title: "notes", version: "1" },
    paths: {
      "/api/status": { get: { responses: { "200": { description: "ok" } } } },
      "/api/notes/7": { get: { responses: { "200": { description: "ok" } } } },
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/openapi.json") return json(200, document);
    if (url.pathname === "/api/status") return json(200, { ok: true });
    const bearer = req.headers.authorization === `Bearer ${TOKEN}`;
    const query = lenient && url.searchParams.get("access_token") === TOKEN;
    if (url.pathname === "/api/notes/7")
      return bearer || query
        ? json(200, { id: 7, text: "mine" })
        : json(401, { detail: "no credentials" });
    json(404, { error: "not found" });
  });
  return listenLoopback(server);
}

function scan(url: string) {
  return runScan(
    { target: url, config: { identities: [{ name: "alice", bearer: TOKEN }] } },
    { catalog, checks: [credentialsInUrlCheck] },
  );
}

describe("IN-05 live, when only an identity holds credentials", () => {
  test("an operation that refuses anonymous callers takes the identity's token as ?access_token=: found", async () => {
    await withServer(notesApi(true), async (api) => {
      const report = await scan(api.url);
      const [found] = findingsOf(report, "in-05-credentials-in-url");
      assert.equal(found?.title, "Credentials accepted in the query string (?access_token=)");
      assert.doesNotMatch(JSON.stringify(report), new RegExp(TOKEN));
      assert.equal(report.items.find((i) => i.id === "IN-05")?.verdict, "fail");
    });
  });

  test("the token refused in the query string: silent", async () => {
    await withServer(notesApi(false), async (api) => {
      assert.deepEqual(findingsOf(await scan(api.url), "in-05-credentials-in-url"), []);
    });
  });
});
