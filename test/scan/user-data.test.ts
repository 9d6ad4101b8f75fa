import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { userDataCheck } from "../../src/scan/checks/access-control/user-data.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * Who `GET /api/members` answers (an undocumented admin listing, named like any collection) and
 * what else the API serves: the caller's own orders (one email, one address) and a public list
 * of shops with phone numbers, and a members' directory for any member: names, emails and (an
 * OUT-06 flaw, not PROC-01's) password hashes.
 */
type Mode = "anyone" | "any-user" | "admin-only";

const MEMBERS = [
  {
    id: 1,
    username: "alice",
    email: "alice@example.test",
    passwordHash: "$2b$10$aaaaaaaaaaaaaaaaaaaaaa",
    phone: "+1 555 0110",
  },
  {
    id: 2,
    username: "bob",
    email: "bob@example.test",
    passwordHash: "$2b$10$bbbbbbbbbbbbbbbbbbbbbb",
    phone: "+1 555 0111",
  },
  {
    id: 3,
    username: "root",
    email: "root@example.test",
    passwordHash: "$2b$10$cccccccccccccccccccccc",
    phone: "+1 555 0112",
  },
];

const get = { responses: { "200": { description: "ok" } } };
const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "shop", version: "1" },
  paths: {
    "/api/members": { get },
    "/api/members/directory": { get },
    "/api/orders": { get },
    "/api/shops": { get },
  },
};

async function shopApi(mode: Mode) {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/openapi.json") return send(200, DOCUMENT);
    if (path === "/api/shops")
      return send(200, [
        { id: 1, name: "North", phone: "+1 555 0100", address: "1 North St" },
        { id: 2, name: "South", phone: "+1 555 0101", address: "2 South St" },
      ]);
    const caller = req.headers.authorization?.replace("Bearer ", "");
    if (path === "/api/members/directory") {
      if (!caller) return send(401, { error: "no" });
      return send(
        200,
        MEMBERS.map(({ id, username, email, passwordHash }) => ({
          id,
          username,
          email,
          passwordHash,
        })),
      );
    }
    if (path === "/api/members") {
      if (mode === "anyone" || (mode === "any-user" && caller) || caller === "root")
        return send(200, { members: MEMBERS });
      return send(caller ? 403 : 401, { error: "no" });
    }
    if (path === "/api/orders") {
      if (!caller) return send(401, { error: "no" });
      const email = `${caller}@example.test`;
      return send(200, [
        { id: 10, email, phone: "+1 555 0199", address: "9 Home Rd", total: 12 },
        { id: 11, email, phone: "+1 555 0199", address: "9 Home Rd", total: 30 },
      ]);
    }
    send(404, { error: "not found" });
  });
  return listenLoopback(server);
}

function scan(url: string) {
  return runScan(
    { target: url, config: { identities: [{ name: "alice", bearer: "alice" }] } },
    { catalog, checks: [userDataCheck] },
  );
}

describe("PROC-01 by the data: users' private records to the wrong caller", () => {
  test("a members listing with password hashes answered without credentials: found", async () => {
    await withServer(shopApi("anyone"), async (api) => {
      const report = await scan(api.url);
      const found = findingsOf(report, "proc-01-user-data");
      assert.deepEqual(
        found.map((f) => f.title),
        ["Users' private data answered without credentials"],
      );
      assert.match(found[0]?.detail ?? "", /3 users' records holding email, passwordHash, phone/);
      assert.equal(report.items.find((i) => i.id === "PROC-01")?.verdict, "fail");
    });
  });

  test("an ordinary user lists every member's private record (an admin function): found", async () => {
    await withServer(shopApi("any-user"), async (api) => {
      const report = await scan(api.url);
      const [found] = findingsOf(report, "proc-01-user-data");
      assert.equal(found?.title, "Ordinary user lists other users' private records");
      assert.equal(found?.evidence.request, "GET /api/members HTTP/1.1");
      assert.match(found?.detail ?? "", /identity "alice" \(not an admin\) 3 users' records/);
    });
  });

  test("members only for the admin, a directory with emails and hashes, own orders, public shops: silent, never a pass", async () => {
    await withServer(shopApi("admin-only"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-01-user-data"), []);
      assert.notEqual(report.items.find((i) => i.id === "PROC-01")?.verdict, "pass");
    });
  });
});
