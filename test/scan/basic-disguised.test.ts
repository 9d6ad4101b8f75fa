import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { basicAuthCheck, basicPayloadUser } from "../../src/scan/checks/auth/basic-auth.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

const USER_PASS = Buffer.from("alice:Alice-Pass-1").toString("base64");
const OPAQUE = "q7Ws0aZ1xKp3vR9mT2nB8cY4";

/** `GET /api/me` reads its caller from a custom header: one API takes base64(user:pass), the other an opaque token. */
async function headerApi(expected: string) {
  const document = {
    openapi: "3.0.3",
    info: { title: "me", version: "1" },
    paths: { "/api/me": { get: { responses: { "200": { description: "ok" } } } } },
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/openapi.json") return json(200, document);
    if (path !== "/api/me") return json(404, { error: "not found" });
    if (req.headers["authorization-token"] !== expected)
      return json(403, { error: "authHeaderNotSet" });
    json(200, { id: 5, name: "alice" });
  });
  return listenLoopback(server);
}

function scan(url: string, token: string) {
  return runScan(
    {
      target: url,
      config: { identities: [{ name: "alice", headers: { "Authorization-Token": token } }] },
    },
    { catalog, checks: [basicAuthCheck] },
  );
}

describe("AUTH-01: Basic credentials under another header's name", () => {
  test("a custom header carrying base64(user:password), accepted: found", async () => {
    await withServer(headerApi(USER_PASS), async (api) => {
      const report = await scan(api.url, USER_PASS);
      const [found] = findingsOf(report, "auth-01-basic");
      assert.equal(found?.title, "Basic credentials in a custom header");
      assert.match(found?.detail ?? "", /authorization-token: base64 of "alice:<password>"/i);
      assert.doesNotMatch(JSON.stringify(found), /Alice-Pass-1/);
      assert.equal(report.items.find((i) => i.id === "AUTH-01")?.verdict, "fail");
    });
  });

  test("an opaque token in the same header: silent", async () => {
    await withServer(headerApi(OPAQUE), async (api) => {
      assert.deepEqual(findingsOf(await scan(api.url, OPAQUE), "auth-01-basic"), []);
    });
  });

  test("only printable user:password pairs decode as Basic", () => {
    assert.equal(basicPayloadUser(USER_PASS), "alice");
    assert.equal(basicPayloadUser(`Token ${USER_PASS}`), "alice");
    assert.equal(basicPayloadUser(OPAQUE), undefined);
    assert.equal(basicPayloadUser(Buffer.from("no-colon-here").toString("base64")), undefined);
  });
});
