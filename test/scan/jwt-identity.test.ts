import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { JWT_CHECKS } from "../../src/scan/checks/jwt/index.js";
import { jwtWeakSecretCheck } from "../../src/scan/checks/jwt/weak-secret.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, verdictOf, withServer } from "./scan-helpers.js";

// An API whose JWT comes from a second login: its main login hands out an opaque token, and one
// corner (`/arena/jwt/user`) signs up a user and answers a JWT carried in a custom header. The
// token checks work on the identity's JWT when the scan's own credential is not one.

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function sign(payload: Record<string, unknown>, secret: string): string {
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(payload)}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

function verify(
  token: string,
  secret: string,
  acceptNone: boolean,
): Record<string, unknown> | undefined {
  const [head, body, signature] = token.split(".");
  if (!head || !body) return undefined;
  const header = JSON.parse(Buffer.from(head, "base64url").toString()) as { alg?: string };
  const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
  if (String(header.alg).toLowerCase() === "none") return acceptNone ? payload : undefined;
  const expected = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  if (signature !== expected) return undefined;
  return typeof payload.exp === "number" && payload.exp * 1000 < Date.now() ? undefined : payload;
}

function arena(options: { secret: string; acceptNone: boolean; lifetimeSeconds: number }) {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.url === "/arena/jwt/user" && req.method === "POST") {
        const now = Math.floor(Date.now() / 1000);
        const token = sign(
          { role: "user", iat: now, exp: now + options.lifetimeSeconds },
          options.secret,
        );
        return json(200, { success: true, token });
      }
      if (req.url === "/arena/jwt/user" && req.method === "GET") {
        const token = req.headers["authorization-token"];
        const claims =
          typeof token === "string" ? verify(token, options.secret, options.acceptNone) : undefined;
        return claims ? json(200, { text: `hello ${claims.role}` }) : json(403, { error: "JWT" });
      }
      json(404, { error: "not found" });
    });
  });
  return listenLoopback(server);
}

function scan(url: string, identities: unknown[]) {
  return runScan(
    {
      target: url,
      config: { identities } as never,
    },
    { catalog, checks: JWT_CHECKS },
  );
}

const JWT_IDENTITY = {
  name: "jwt-user",
  login: {
    path: "/arena/jwt/user",
    body: { username: "rampart-jwt", password: "Rampart-jwt-1" },
    send: { header: "Authorization-Token" },
  },
};

describe("JWT checks on an identity's token (a second login issues the JWT)", () => {
  test("a weak secret, alg none accepted and a 30-day lifetime are found on the identity's JWT", async () => {
    const report = await withServer(
      arena({ secret: "secret", acceptNone: true, lifetimeSeconds: 30 * 86_400 }),
      (api) => scan(api.url, [JWT_IDENTITY]),
    );
    assert.equal(verdictOf(report, "JWT-01").verdict, "fail");
    assert.match(
      findingsOf(report, jwtWeakSecretCheck.id)[0]?.detail ?? "",
      /token of identity "jwt-user" verifies with a well-known secret/,
    );
    assert.equal(verdictOf(report, "JWT-02").verdict, "fail");
    assert.equal(verdictOf(report, "JWT-03").verdict, "fail");
  });

  test("a strong secret, forgeries refused and a 10-minute lifetime: nothing found", async () => {
    const report = await withServer(
      arena({
        secret: "k7Q2vX9pL4mN8rT1wZ6yB3cF5hJ0dG2s",
        acceptNone: false,
        lifetimeSeconds: 600,
      }),
      (api) => scan(api.url, [JWT_IDENTITY]),
    );
    assert.deepEqual(
      report.findings.filter((f) => f.severity !== "info").map((f) => f.title),
      [],
    );
    assert.notEqual(verdictOf(report, "JWT-02").verdict, "not_tested");
    assert.notEqual(verdictOf(report, "JWT-03").verdict, "not_tested");
  });

  test("without any JWT, the token checks say so instead of passing", async () => {
    const report = await withServer(
      arena({ secret: "secret", acceptNone: true, lifetimeSeconds: 600 }),
      (api) => scan(api.url, []),
    );
    for (const item of ["JWT-01", "JWT-02", "JWT-03", "JWT-04", "JWT-05"]) {
      const { verdict, reason } = verdictOf(report, item);
      assert.equal(verdict, "not_tested", item);
      assert.match(reason ?? "", /nor an identity's token is a JWT/);
    }
  });
});
