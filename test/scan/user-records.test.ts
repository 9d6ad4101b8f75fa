import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { userRecordsCheck } from "../../src/scan/checks/access-control/user-records.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/** What `GET /v1/user/{id}` gives a caller asking for someone else's id. */
type Mode = "leaks" | "owner-checked" | "public-profile";

/** A token shaped like a JWT whose payload names the user by an `id` claim (no `sub`). */
function tokenOf(id: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ id, role: "user" })}.c2lnbmF0dXJl`;
}

const USERS = [
  { id: 2, email: "alice@example.test", password: "$2b$10$abcdefghijklmnopqrstuv", bio: "a" },
  { id: 3, email: "bob@example.test", password: "$2b$10$vutsrqponmlkjihgfedcba", bio: "b" },
];

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "users", version: "1" },
  components: { securitySchemes: { token: { type: "http", scheme: "bearer" } } },
  security: [{ token: [] }],
  paths: {
    "/v1/user/{id}": {
      get: {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        responses: { "200": { description: "ok" } },
      },
    },
  },
};

async function usersApi(mode: Mode) {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/openapi.json") return send(200, DOCUMENT);
    const caller = USERS.find((u) => req.headers.authorization === `Bearer ${tokenOf(u.id)}`);
    if (!caller) return send(401, { error: "unauthorized" });
    const id = Number(/^\/v1\/user\/(\d+)$/.exec(path)?.[1]);
    const user = USERS.find((u) => u.id === id);
    if (!user) return send(404, { error: "not found" });
    if (user.id !== caller.id && mode === "owner-checked") return send(403, { error: "forbidden" });
    if (user.id !== caller.id && mode === "public-profile")
      return send(200, { user: { id: user.id, bio: user.bio } });
    send(200, { user });
  });
  return listenLoopback(server);
}

function scan(url: string) {
  return runScan(
    {
      target: url,
      config: {
        identities: [
          { name: "alice", bearer: tokenOf(2) },
          { name: "bob", bearer: tokenOf(3) },
        ],
      },
    },
    { catalog, checks: [userRecordsCheck] },
  );
}

describe("PROC-02: another user's account record by its id", () => {
  test("bob reads alice's record with her email and password hash: found (user-records)", async () => {
    await withServer(usersApi("leaks"), async (api) => {
      const report = await scan(api.url);
      const [found] = findingsOf(report, "proc-02-user-records");
      assert.equal(found?.title, "User reads another user's account record (BOLA)");
      assert.equal(found?.evidence.request, "GET /v1/user/2 HTTP/1.1");
      assert.match(found?.detail ?? "", /email, password/);
      assert.equal(report.items.find((i) => i.id === "PROC-02")?.verdict, "fail");
    });
  });

  test("an API that checks the caller: no finding, the operation counted as tried", async () => {
    await withServer(usersApi("owner-checked"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-user-records"), []);
      const item = report.items.find((i) => i.id === "PROC-02");
      assert.equal(item?.verdict, "pass");
    });
  });

  test("a public profile (no private member) is not reported", async () => {
    await withServer(usersApi("public-profile"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-user-records"), []);
    });
  });

  test("without the first identity's id the check says so instead of passing", async () => {
    await withServer(usersApi("leaks"), async (api) => {
      const report = await runScan(
        {
          target: api.url,
          config: {
            identities: [
              { name: "alice", bearer: "opaque-alice" },
              { name: "bob", bearer: tokenOf(3) },
            ],
          },
        },
        { catalog, checks: [userRecordsCheck] },
      );
      const item = report.items.find((i) => i.id === "PROC-02");
      assert.equal(item?.verdict, "not_tested");
      assert.match(item?.reason ?? "", /the id of "alice" is unknown/);
    });
  });
});

/**
 * An area with its own user table: ids unrelated to any token, members authenticated by base64
 * of `user:password` in `X-Member`, records without private members. `leaks` gives any member
 * any record (anonymous callers are refused); `owner-checked` only the caller's own;
 * `public-directory` gives every record to anyone, signed in or not.
 */
type AreaMode = "leaks" | "owner-checked" | "public-directory";

const MEMBERS = [
  { id: 1, username: "michael", name: "Michael", course: "m" },
  { id: 2, username: "dwight", name: "Dwight", course: "d" },
  { id: 3, username: "alice", name: "Alice", course: "Alice's course" },
  { id: 4, username: "bob", name: "Bob", course: "Bob's course" },
];

const member = (user: string) => Buffer.from(`${user}:${user}-Pass-1`).toString("base64");

async function areaApi(mode: AreaMode) {
  const document = {
    openapi: "3.0.3",
    info: { title: "area", version: "1" },
    paths: {
      "/area1/user/{member_id}": {
        get: {
          parameters: [
            { name: "member_id", in: "path", required: true, schema: { type: "integer" } },
          ],
          responses: { "200": { description: "ok" } },
        },
      },
    },
  };
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/openapi.json") return send(200, document);
    const caller = MEMBERS.find((m) => req.headers["x-member"] === member(m.username));
    if (!caller && mode !== "public-directory") return send(403, { cause: "authHeaderNotSet" });
    const id = Number(/^\/area1\/user\/(\d+)$/.exec(path)?.[1]);
    const record = MEMBERS.find((m) => m.id === id);
    if (!record) return send(404, {});
    if (mode === "owner-checked" && record.id !== caller?.id)
      return send(403, { cause: "notYours" });
    send(200, record);
  });
  return listenLoopback(server);
}

function scanArea(url: string) {
  return runScan(
    {
      target: url,
      headers: { "x-member": member("alice") },
      config: {
        identities: [
          { name: "alice", headers: { "X-Member": member("alice") } },
          { name: "bob", headers: { "X-Member": member("bob") } },
        ],
      },
    },
    { catalog, checks: [userRecordsCheck] },
  );
}

describe("PROC-02: a user table of its own, ids found by the record that names the caller", () => {
  test("bob reads alice's record (id 3, found by her name), refused to anonymous callers: found", async () => {
    await withServer(areaApi("leaks"), async (api) => {
      const report = await scanArea(api.url);
      const [found] = findingsOf(report, "proc-02-user-records");
      assert.equal(found?.title, "User reads another user's account record (BOLA)");
      assert.equal(found?.confidence, "medium");
      assert.equal(found?.evidence.request, "GET /area1/user/3 HTTP/1.1");
      assert.match(found?.detail ?? "", /refuses without credentials \(403\)/);
      assert.equal(report.items.find((i) => i.id === "PROC-02")?.verdict, "fail");
    });
  });

  test("each member reads only their own record: silent", async () => {
    await withServer(areaApi("owner-checked"), async (api) => {
      const report = await scanArea(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-user-records"), []);
    });
  });

  test("a directory public to anyone, signed in or not, is not reported", async () => {
    await withServer(areaApi("public-directory"), async (api) => {
      const report = await scanArea(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-user-records"), []);
    });
  });
});
