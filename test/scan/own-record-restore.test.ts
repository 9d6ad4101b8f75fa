import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { sqlInjectionCheck } from "../../src/scan/checks/injection/sql.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * A profile API (`GET|PUT /api/user`, `{"user": {...}}`) that stores whatever a PUT sends, as
 * RealWorld backends do; `refuses-restore` takes one change of the user name, then no more;
 * `needs-password` wants the password in every update (one RealWorld backend hashes it each time)
 * and logs in at `POST /api/users/login`.
 */
type Mode = "stores" | "refuses-restore" | "needs-password";

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "profile", version: "1" },
  components: { securitySchemes: { token: { type: "http", scheme: "bearer" } } },
  security: [{ token: [] }],
  paths: {
    "/api/user": {
      get: { responses: { "200": { description: "the caller" } } },
      put: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  user: {
                    type: "object",
                    properties: {
                      username: { type: "string", example: "jake" },
                      bio: { type: "string", example: "I work at statefarm" },
                      email: { type: "string", example: "jake@jake.jake" },
                      password: { type: "string", example: "jakejake" },
                    },
                  },
                },
              },
            },
          },
        },
        responses: { "200": { description: "updated" } },
      },
    },
  },
};

async function profileApi(mode: Mode) {
  const user = { email: "alice@example.test", username: "alice", bio: "Gardens." };
  let renamed = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/openapi.json") return send(200, DOCUMENT);
      if (path === "/api/users/login" && req.method === "POST") {
        const login = JSON.parse(Buffer.concat(chunks).toString() || "{}") as {
          user?: { email?: string; password?: string };
        };
        if (login.user?.email !== user.email || login.user?.password !== "Alice-pass-1")
          return send(401, { error: "credentials" });
        return send(200, { user: { ...user, token: "alice-token" } });
      }
      if (req.headers.authorization !== "Bearer alice-token") return send(401, { error: "token" });
      if (path !== "/api/user") return send(404, { error: "not found" });
      if (req.method === "PUT") {
        let body: { user?: Record<string, unknown> } = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString());
        } catch {
          return send(400, { error: "bad json" });
        }
        if (mode === "needs-password" && body.user?.password !== "Alice-pass-1")
          return send(422, { errors: { body: ["data and salt arguments required"] } });
        for (const [k, v] of Object.entries(body.user ?? {}))
          if ((k === "username" || k === "bio") && typeof v === "string") {
            if (k === "username" && mode === "refuses-restore" && renamed) continue;
            if (k === "username" && v !== user.username) renamed = true;
            user[k] = v;
          }
      }
      send(200, { user });
    });
  });
  const listening = await listenLoopback(server);
  return { ...listening, user };
}

function scan(url: string, profile: "safe" | "full", login = false) {
  return runScan(
    login
      ? {
          target: url,
          profile,
          login: {
            path: "/api/users/login",
            body: { user: { email: "alice@example.test", password: "Alice-pass-1" } },
          },
        }
      : { target: url, profile, bearer: "alice-token" },
    { catalog, checks: [sqlInjectionCheck] },
  );
}

describe("the scan puts its own account back after probing through its profile update", () => {
  test("injection probes in the user name and bio: put back as it was, and the report says so", async () => {
    await withServer(profileApi("stores"), async (api) => {
      const report = await scan(api.url, "full");
      assert.deepEqual(
        { username: api.user.username, bio: api.user.bio },
        { username: "alice", bio: "Gardens." },
      );
      assert.ok(
        report.notes?.some((n) =>
          /own account was changed by its probes \(.*username.*through PUT \/api\/user\) and was put back/.test(
            n,
          ),
        ),
        JSON.stringify(report.notes),
      );
    });
  });

  test("an API that refuses to change the name back: the report tells the operator to check the account", async () => {
    await withServer(profileApi("refuses-restore"), async (api) => {
      const report = await scan(api.url, "full");
      assert.notEqual(api.user.username, "alice");
      assert.ok(
        report.notes?.some((n) =>
          /could not be put back \(username through PUT \/api\/user\): check the test account/.test(
            n,
          ),
        ),
        JSON.stringify(report.notes),
      );
    });
  });

  test("a safe scan changes nothing and adds no note", async () => {
    await withServer(profileApi("stores"), async (api) => {
      const report = await scan(api.url, "safe");
      assert.equal(api.user.username, "alice");
      assert.ok(!report.notes?.some((n) => /own account/.test(n)));
    });
  });

  test("regression: an API that wants the password in every update was not put back (rw-express)", async () => {
    await withServer(profileApi("needs-password"), async (api) => {
      const report = await scan(api.url, "full", true);
      assert.deepEqual(
        { username: api.user.username, bio: api.user.bio },
        { username: "alice", bio: "Gardens." },
      );
      assert.ok(
        report.notes?.some((n) => /was put back as it was/.test(n)),
        JSON.stringify(report.notes),
      );
    });
  });
});
