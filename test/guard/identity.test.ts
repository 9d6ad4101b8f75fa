import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { type JWTPayload, SignJWT } from "jose";
import { RampartError } from "../../src/core/errors.js";
import { hashApiKey } from "../../src/guard/auth/compile.js";
import { loadGuard } from "../../src/guard/config/load.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import type { Guard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import {
  guardFor,
  type Recorded,
  type RecordingUpstream,
  rawRequest,
  startUpstream,
} from "./helpers.js";

const ISS = "https://issuer.test";
const AUD = "orders-api";
const secret = randomBytes(32);
const apiKey = randomBytes(24).toString("hex");
const auth: GuardConfig["auth"] = {
  issuers: [
    {
      name: "hs",
      issuer: ISS,
      audience: AUD,
      algorithms: ["HS256"],
      key: { secret: secret.toString("hex"), secretEncoding: "hex" },
    },
  ],
  apiKeys: [{ name: "ci-bot", hash: hashApiKey(apiKey) }],
  forward: {
    subject: "X-Auth-Subject",
    issuer: "X-Auth-Issuer",
    scopes: "X-Auth-Scopes",
    apiKey: "X-Auth-Key",
    claims: { email: "X-Auth-Email", tenant: "X-Auth-Tenant" },
  },
};
const FORWARDED = /^x[-_]auth[-_](subject|issuer|scopes|key|email|tenant)$/i;

let upstream: RecordingUpstream;
let guard: Guard;

const now = () => Math.floor(Date.now() / 1000);
function token(claims: JWTPayload = {}): Promise<string> {
  const t = now();
  return new SignJWT({ iss: ISS, aud: AUD, sub: "alice", iat: t, nbf: t, exp: t + 300, ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .sign(secret);
}

/** The identity headers the upstream received, every spelling, with their values. */
function identityHeaders(recorded: Recorded | undefined): string[] {
  assert.ok(recorded, "the request reached the upstream");
  const out: string[] = [];
  for (let i = 0; i < recorded.rawHeaders.length; i += 2)
    if (FORWARDED.test(recorded.rawHeaders[i] as string))
      out.push(
        `${(recorded.rawHeaders[i] as string).toLowerCase()}: ${recorded.rawHeaders[i + 1]}`,
      );
  return out.sort();
}

function raw(path: string, lines: string[]) {
  const host = new URL(guard.url).host;
  return rawRequest(
    guard.url,
    [`GET ${path} HTTP/1.1`, `Host: ${host}`, ...lines, "Connection: close", "", ""].join("\r\n"),
  );
}

before(async () => {
  upstream = await startUpstream();
  guard = await guardFor(upstream.url, {
    routes: [
      { path: "/api" },
      { path: "/public", public: true },
      { path: "/legacy", authentication: "upstream" },
    ],
    auth,
  });
});
after(async () => {
  await guard.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

describe("identity forwarding: verified values only", () => {
  test("a token's sub, iss, scopes and configured claims reach the upstream", async () => {
    const bearer = await token({
      scope: "orders:read profile",
      email: "a@example.test",
      tenant: 7,
    });
    const res = await send(`${guard.url}/api`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), [
      "x-auth-email: a@example.test",
      `x-auth-issuer: ${ISS}`,
      "x-auth-scopes: orders:read profile",
      "x-auth-subject: alice",
      "x-auth-tenant: 7",
    ]);
  });

  test("an API key forwards its configured name, and no subject", async () => {
    const res = await send(`${guard.url}/api`, {
      headers: { "x-api-key": apiKey, "x-auth-subject": "admin" },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), ["x-auth-key: ci-bot"]);
  });

  test("values that are not visible ASCII are dropped, not sent (CR/LF, controls, non-ASCII)", async () => {
    for (const sub of ["alice\r\nX-Admin: 1", "al\u0000ice", "ålice", " alice", ""]) {
      upstream.reset();
      const bearer = await token({ sub });
      const res = await send(`${guard.url}/api`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      assert.equal(res.status, 200, JSON.stringify(sub));
      assert.deepEqual(identityHeaders(upstream.requests[0]), [`x-auth-issuer: ${ISS}`]);
      assert.equal(upstream.requests[0]?.headers["x-admin"], undefined);
    }
  });
});

describe("identity forwarding: inbound copies are stripped (bypass attempts)", () => {
  test("inbound X-Auth-Subject on a public route is stripped", async () => {
    const res = await raw("/public", ["X-Auth-Subject: admin", "X-Auth-Scopes: admin"]);
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), []);
  });

  test("inbound identity headers on an upstream-authenticated route are stripped", async () => {
    const res = await raw("/legacy", ["X-Auth-Subject: admin", "X-Auth-Email: boss@example.test"]);
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), []);
  });

  test("a duplicated header, in different case, is stripped whole", async () => {
    const res = await raw("/public", [
      "X-Auth-Subject: admin",
      "x-auth-subject: root",
      "X-AUTH-SUBJECT: alice",
      "x-AuTh-TeNaNt: 1",
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), []);
  });

  test("the underscore spelling that CGI upstreams read as the same header is stripped", async () => {
    const res = await raw("/public", ["X_Auth_Subject: admin", "x-auth_key: ci-bot"]);
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), []);
  });

  test("on a protected route the client's copy is replaced by the verified one", async () => {
    const bearer = await token();
    const res = await raw("/api", [
      `Authorization: Bearer ${bearer}`,
      "X-Auth-Subject: admin",
      "X_Auth_Subject: admin",
      "X-Auth-Scopes: admin",
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(identityHeaders(upstream.requests[0]), [
      `x-auth-issuer: ${ISS}`,
      "x-auth-subject: alice",
    ]);
  });

  test("headers that are not identity headers pass untouched", async () => {
    const res = await raw("/public", ["X-Auth-Subjects: kept", "X-Trace: 1"]);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.headers["x-auth-subjects"], "kept");
    assert.equal(upstream.requests[0]?.headers["x-trace"], "1");
  });
});

describe("identity forwarding config", () => {
  test("reserved, API-key and repeated header names are config errors, all reported", () => {
    try {
      buildRouteTable({
        upstream: "http://127.0.0.1:9",
        routes: [{ path: "/a" }],
        auth: {
          ...auth,
          forward: {
            subject: "Authorization",
            issuer: "X-Forwarded-For",
            scopes: "X-Api-Key",
            apiKey: "X-Who",
            claims: { email: "x-who" },
          },
        },
      });
      assert.fail("expected a config error");
    } catch (error) {
      assert.ok(error instanceof RampartError, String(error));
      const text = error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
      for (const where of [
        "/guard/auth/forward/subject: Authorization is a header",
        "/guard/auth/forward/issuer: X-Forwarded-For is a header",
        "/guard/auth/forward/scopes: X-Api-Key is a header",
        "/guard/auth/forward/claims/email: x-who is configured twice",
      ])
        assert.ok(text.includes(where), `missing "${where}" in:\n${text}`);
      assert.equal(error.problems.length, 4);
    }
  });

  test("a header name with an underscore is refused by the schema", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-identity-"));
    const path = join(dir, "rampart.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        "  upstream: http://127.0.0.1:9",
        "  routes: [{ path: /a }]",
        "  auth:",
        `    apiKeys: [{ name: ci, hash: "${hashApiKey(apiKey)}" }]`,
        "    forward: { subject: X_Auth_Subject }",
        "",
      ].join("\n"),
    );
    await assert.rejects(
      () => loadGuard({ config: path }, dir),
      (error: unknown) =>
        error instanceof RampartError &&
        error.problems.some((p) => p.path.startsWith("/guard/auth/forward/subject")),
    );
  });
});
