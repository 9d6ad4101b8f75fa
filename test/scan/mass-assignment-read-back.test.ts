import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { massAssignmentCheck } from "../../src/scan/checks/mass-assignment/mass-assignment.js";
import type { ScanConfig } from "../../src/scan/config.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * A members API whose sign-up answers only `{id, username}`: what it stored shows only on the
 * member's own record, read with the member's own credentials. `binds` stores every member of
 * the body; `allow-list` stores the documented ones. Every account is `verified` by default, so
 * a `verified: true` read back is the default, not a binding.
 */
type Mode = "binds" | "allow-list";
/** How members authenticate: base64 of `user:password` in a custom header, or a JSON login. */
type Auth = "disguised-basic" | "login";

interface Member {
  id: number;
  username: string;
  password: string;
  credit: number;
  verified: boolean;
  [key: string]: unknown;
}

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "members", version: "1" },
  paths: {
    "/api/members/register": {
      post: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  username: { type: "string", example: "jane" },
                  password: { type: "string", example: "Secret-123" },
                },
              },
            },
          },
        },
        responses: { "200": { description: "created" } },
      },
    },
    "/api/members/login": {
      post: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { username: { type: "string" }, password: { type: "string" } },
              },
            },
          },
        },
        responses: { "200": { description: "token" } },
      },
    },
    "/api/members/me": { get: { responses: { "200": { description: "the caller" } } } },
  },
};

const basic = (user: string, password: string) =>
  Buffer.from(`${user}:${password}`).toString("base64");

async function membersApi(mode: Mode) {
  const members: Member[] = [
    { id: 1, username: "alice", password: "Alice-pass-1", credit: 0, verified: true },
  ];
  const tokens = new Map<string, Member>();
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
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      } catch {
        return send(400, { error: "bad json" });
      }
      if (req.method === "POST" && path === "/api/members/register") {
        if (typeof body.username !== "string" || typeof body.password !== "string")
          return send(400, { error: "username and password" });
        const member: Member = {
          id: members.length + 1,
          username: body.username,
          password: body.password,
          credit: 0,
          verified: true,
        };
        if (mode === "binds")
          for (const [k, v] of Object.entries(body)) if (k !== "id") member[k] = v;
        members.push(member);
        return send(200, { id: member.id, username: member.username });
      }
      if (req.method === "POST" && path === "/api/members/login") {
        const member = members.find(
          (m) => m.username === body.username && m.password === body.password,
        );
        if (!member) return send(401, { error: "wrong credentials" });
        const token = randomBytes(16).toString("hex");
        tokens.set(token, member);
        return send(200, { token });
      }
      if (req.method === "GET" && path === "/api/members/me") {
        const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
        const caller =
          (bearer ? tokens.get(bearer) : undefined) ??
          members.find((m) => req.headers["x-member"] === basic(m.username, m.password));
        if (!caller) return send(401, { error: "who are you" });
        const { password: _, ...shown } = caller;
        return send(200, shown);
      }
      send(404, { error: "not found" });
    });
  });
  const listening = await listenLoopback(server);
  return { ...listening, members };
}

function scan(url: string, auth: Auth) {
  const config: ScanConfig =
    auth === "login"
      ? {
          login: {
            path: "/api/members/login",
            body: { username: "alice", password: "Alice-pass-1" },
          },
        }
      : {
          identities: [{ name: "alice", headers: { "X-Member": basic("alice", "Alice-pass-1") } }],
        };
  return runScan(
    {
      target: url,
      profile: "full",
      config,
      ...(auth === "login"
        ? { login: config.login }
        : { headers: { "x-member": basic("alice", "Alice-pass-1") } }),
    },
    { catalog, checks: [massAssignmentCheck] },
  );
}

describe("EXT-05 on a sign-up whose answer hides what it stored: read back as the new account", () => {
  for (const auth of ["disguised-basic", "login"] as const)
    test(`a sign-up that binds "credit" silently is found on the account's own record (${auth})`, async () => {
      await withServer(membersApi("binds"), async (api) => {
        const report = await scan(api.url, auth);
        const signUp = findingsOf(report, "ext-05-mass-assignment").find((f) =>
          /on registration/.test(f.title),
        );
        // Every privileged member is sent at once: role comes first, credit is among them.
        assert.equal(signUp?.title, 'Privileged field "role" mass-assigned on registration');
        assert.match(signUp?.detail ?? "", /with "role", .*"credit".* set by the client/);
        assert.match(
          signUp?.detail ?? "",
          /own record \(GET \/api\/members\/me, read with its own credentials\)/,
        );
        assert.equal(signUp?.evidence.request, "GET /api/members/me HTTP/1.1");
        assert.equal(report.items.find((i) => i.id === "EXT-05")?.verdict, "fail");
        const created = api.members.find((m) => m.username.startsWith("rampart"));
        assert.equal(created?.credit, 1_000_000);
      });
    });

  test("regression: verified: true on every account is the API's default, not a binding", async () => {
    await withServer(membersApi("binds"), async (api) => {
      const report = await scan(api.url, "disguised-basic");
      const [signUp] = findingsOf(report, "ext-05-mass-assignment");
      assert.match(signUp?.detail ?? "", /"credit"/);
      assert.doesNotMatch(signUp?.detail ?? "", /"verified"/);
    });
  });

  for (const auth of ["disguised-basic", "login"] as const)
    test(`a sign-up that stores only its documented members: silent (${auth})`, async () => {
      await withServer(membersApi("allow-list"), async (api) => {
        const report = await scan(api.url, auth);
        assert.deepEqual(findingsOf(report, "ext-05-mass-assignment"), []);
        assert.notEqual(report.items.find((i) => i.id === "EXT-05")?.verdict, "fail");
        assert.ok(api.members.some((m) => m.username.startsWith("rampart")));
      });
    });
});
