import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { massAssignmentCheck } from "../../src/scan/checks/mass-assignment/mass-assignment.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * How the users API binds a body: every member (`binds`), an allow-list (`allow-list`), or a
 * closed schema that refuses unknown members but lets `role` through (`closed-with-role`).
 */
type Mode = "binds" | "allow-list" | "closed-with-role";

interface User {
  id: number;
  username: string;
  email: string;
  password: string;
  role: string;
  [key: string]: unknown;
}

function tokenOf(id: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: String(id) })}.c2lnbmF0dXJl`;
}

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "users", version: "1" },
  components: {
    securitySchemes: { token: { type: "http", scheme: "bearer" } },
    schemas: {
      NewUser: {
        type: "object",
        required: ["user"],
        properties: {
          user: {
            type: "object",
            required: ["username", "email", "password"],
            properties: {
              username: { type: "string", example: "jane" },
              email: { type: "string", format: "email", example: "jane@example.com" },
              password: { type: "string", example: "Secret-123" },
            },
          },
        },
      },
    },
  },
  paths: {
    "/v1/users": {
      get: { security: [{ token: [] }], responses: { "200": { description: "ok" } } },
      post: {
        security: [],
        requestBody: {
          content: { "application/json": { schema: { $ref: "#/components/schemas/NewUser" } } },
        },
        responses: { "201": { description: "created" } },
      },
    },
    "/v1/users/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
      get: { security: [{ token: [] }], responses: { "200": { description: "ok" } } },
      put: {
        security: [{ token: [] }],
        requestBody: {
          content: {
            "application/json": {
              schema: { type: "object", properties: { bio: { type: "string" } } },
            },
          },
        },
        responses: { "200": { description: "ok" } },
      },
      delete: { security: [{ token: [] }], responses: { "204": { description: "gone" } } },
    },
  },
};

const ALLOWED = ["username", "email", "password", "bio"];

async function usersApi(mode: Mode) {
  const users: User[] = [
    { id: 1, username: "alice", email: "alice@example.test", password: "x", role: "user" },
  ];
  const bind = (target: Record<string, unknown>, body: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(body))
      if (mode !== "allow-list" || ALLOWED.includes(key)) target[key] = value;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/openapi.json") return send(200, DOCUMENT);
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      } catch {
        return send(400, { error: "bad json" });
      }
      const fields = (body.user ?? body) as Record<string, unknown>;
      if (
        mode === "closed-with-role" &&
        Object.keys(fields).some((k) => ![...ALLOWED, "role"].includes(k))
      )
        return send(422, { error: "unknown member" });
      if (req.method === "POST" && path === "/v1/users") {
        if (users.some((u) => u.email === fields.email)) return send(409, { error: "taken" });
        const user = { id: users.length + 1, role: "user" } as User;
        bind(user, fields);
        users.push(user);
        return send(201, { user: { ...user, password: undefined } });
      }
      const caller = users.find((u) => req.headers.authorization === `Bearer ${tokenOf(u.id)}`);
      if (!caller) return send(401, { error: "unauthorized" });
      if (path === "/v1/users" && req.method === "GET") return send(200, { users: [] });
      const id = Number(/^\/v1\/users\/(\d+)$/.exec(path)?.[1]);
      const user = users.find((u) => u.id === id);
      if (!user) return send(404, { error: "not found" });
      if (req.method === "GET") return send(200, { user: { ...user, password: undefined } });
      if (req.method === "DELETE") {
        users.splice(users.indexOf(user), 1);
        return send(204);
      }
      if (req.method === "PUT") {
        if (user.id !== caller.id) return send(403, { error: "forbidden" });
        bind(user, fields);
        return send(200, { user: { ...user, password: undefined } });
      }
      send(405, { error: "method" });
    });
  });
  const listening = await listenLoopback(server);
  return { ...listening, users };
}

function scan(url: string) {
  return runScan(
    {
      target: url,
      profile: "full",
      bearer: tokenOf(1),
      config: { identities: [{ name: "alice", bearer: tokenOf(1) }] },
    },
    { catalog, checks: [massAssignmentCheck] },
  );
}

describe("EXT-05 beyond PATCH /me: sign-ups and the caller's record by its id", () => {
  test('a sign-up that binds "role" is found, and the throw-away account is deleted', async () => {
    await withServer(usersApi("binds"), async (api) => {
      const report = await scan(api.url);
      const found = findingsOf(report, "ext-05-mass-assignment");
      const signUp = found.find((f) => /on registration/.test(f.title));
      assert.equal(signUp?.title, 'Privileged field "role" mass-assigned on registration');
      assert.equal(signUp?.evidence.request, "POST /v1/users HTTP/1.1");
      assert.match(signUp?.detail ?? "", /The test account was deleted/);
      assert.deepEqual(
        api.users.filter((u) => u.username.startsWith("rampart")).map((u) => u.username),
        [],
      );
      assert.equal(report.items.find((i) => i.id === "EXT-05")?.verdict, "fail");
    });
  });

  test("PUT /v1/users/{id} with the caller's own id binds role: found, read back, restored", async () => {
    await withServer(usersApi("binds"), async (api) => {
      const report = await scan(api.url);
      const update = findingsOf(report, "ext-05-mass-assignment").find(
        (f) => f.title === 'Privileged field "role" mass-assigned',
      );
      assert.equal(update?.confidence, "high");
      assert.equal(update?.evidence.request, "PUT /v1/users/1 HTTP/1.1");
      assert.match(update?.detail ?? "", /as "alice", on its own record/);
      assert.equal(api.users[0]?.role, "user");
    });
  });

  test("a closed schema refuses the members as a whole, but binds role alone: found one by one", async () => {
    await withServer(usersApi("closed-with-role"), async (api) => {
      const report = await scan(api.url);
      const signUp = findingsOf(report, "ext-05-mass-assignment").find((f) =>
        /on registration/.test(f.title),
      );
      assert.equal(signUp?.title, 'Privileged field "role" mass-assigned on registration');
    });
  });

  test("an API that binds an allow-list only: silent, and EXT-05 passes", async () => {
    await withServer(usersApi("allow-list"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "ext-05-mass-assignment"), []);
      assert.equal(report.items.find((i) => i.id === "EXT-05")?.verdict, "pass");
      assert.equal(api.users[0]?.role, "user");
    });
  });
});
