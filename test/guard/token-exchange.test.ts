import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { RampartError } from "../../src/core/errors.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { logSink, type RecordingUpstream, startUpstream } from "./helpers.js";

// The upstream signs with a dictionary word and issues tokens that break JWT-03..05: no exp, a
// password hash in the payload, kilobytes of padding, and every scope anyone asks for.
const WEAK = new TextEncoder().encode("your-256-bit-secret");

async function upstreamToken(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({
    sub: "user-1",
    scope: "orders:read admin",
    passwordHash: "$2b$10$abcdefghijklmnopqrstuv",
    padding: "x".repeat(6000),
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("http://upstream.test")
    .setIssuedAt()
    .sign(WEAK);
}

const CONFIG: Omit<GuardConfig, "upstream" | "listen"> = {
  tokens: {
    issuer: "https://edge.test",
    audience: "api",
    ttlSeconds: 600,
    clientScopes: { "web-app": ["orders:read", "profile"] },
    defaultScopes: ["profile"],
  },
  routes: [
    { path: "/login", methods: ["POST"], public: true, issuesTokens: true },
    { path: "/orders", scopes: ["orders:read"] },
    { path: "/admin", scopes: ["admin"] },
  ],
};

describe("token exchange at the edge (JWT-03, JWT-04, JWT-05, OAUTH-04)", () => {
  let upstream: RecordingUpstream;
  let guard: Guard;
  let issued: string;
  before(async () => {
    upstream = await startUpstream();
    issued = await upstreamToken({});
    upstream.reply = (r) =>
      r.url === "/login"
        ? {
            status: 200,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              access_token: issued,
              token_type: "Bearer",
              expires_in: 2_592_000,
              scope: "orders:read admin",
            }),
          }
        : {
            status: 200,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ saw: r.headers.authorization ?? null }),
          };
    const table = buildRouteTable({ listen: "127.0.0.1:0", upstream: upstream.url, ...CONFIG });
    guard = await startGuard({ table, log: logSink() });
  });
  after(async () => {
    await guard.close();
    await upstream.close();
  });

  async function login(): Promise<Record<string, unknown>> {
    const res = await fetch(`${guard.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  }

  test("the client gets a short-lived, small ES256 token with only sub and scope", async () => {
    const body = await login();
    const token = String(body.access_token);
    assert.notEqual(token, issued);
    assert.equal(decodeProtectedHeader(token).alg, "ES256");
    const claims = decodeJwt(token);
    assert.equal(claims.iss, "https://edge.test");
    assert.equal(claims.aud, "api");
    assert.equal(claims.sub, "user-1");
    assert.equal((claims.exp as number) - (claims.iat as number), 600);
    assert.equal(claims.nbf, claims.iat);
    assert.equal(claims.passwordHash, undefined);
    assert.equal(claims.padding, undefined);
    assert.ok(token.length < 1024, `${token.length} bytes`);
    assert.equal(body.expires_in, 600, "the answer states the guard token's lifetime");
    assert.equal(body.scope, "orders:read admin", "a first-party login keeps its scope");
  });

  test("the upstream gets its own token back on protected routes", async () => {
    const token = String((await login()).access_token);
    const res = await fetch(`${guard.url}/orders`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { saw: `Bearer ${issued}` });
  });

  test("the upstream's own token presented by a client is refused (it never leaves the guard)", async () => {
    upstream.requests.length = 0;
    const res = await fetch(`${guard.url}/orders`, {
      headers: { authorization: `Bearer ${issued}` },
    });
    assert.equal(res.status, 401);
    assert.match(String(res.headers.get("www-authenticate")), /error="invalid_token"/);
    assert.equal(upstream.requests.length, 0);
  });

  test("a guard token re-signed with alg none is refused", async () => {
    const token = String((await login()).access_token);
    const [, payload] = token.split(".");
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
    const res = await fetch(`${guard.url}/orders`, {
      headers: { authorization: `Bearer ${none}` },
    });
    assert.equal(res.status, 401);
  });

  test("a valid guard token whose upstream token is gone from the store is refused", async () => {
    const token = String((await login()).access_token);
    const jti = String(decodeJwt(token).jti);
    // Revoking the exchange: what logout or an operator does.
    await guard.store.putValue(`edge:${jti}`, "", 1);
    const res = await fetch(`${guard.url}/orders`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 401);
  });

  test("an OAuth client keeps only its registered scopes, or the default scope", async () => {
    issued = await upstreamToken({ client_id: "web-app", scope: "orders:read admin" });
    const body = await login();
    assert.equal(decodeJwt(String(body.access_token)).scope, "orders:read");
    assert.equal(body.scope, "orders:read", "the answer says what the client holds");
    const admin = await fetch(`${guard.url}/admin`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    assert.equal(admin.status, 403, "the dropped scope is refused at the resource");
    issued = await upstreamToken({ client_id: "web-app", scope: "admin rampart-unknown" });
    assert.equal((await login()).scope, "profile");
    issued = await upstreamToken({});
  });

  test("the guard's tokens verify with its public key (a signing key from a file)", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const dir = mkdtempSync(join(tmpdir(), "rampart-edge-"));
    writeFileSync(join(dir, "edge.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    const table = buildRouteTable(
      {
        listen: "127.0.0.1:0",
        upstream: upstream.url,
        ...CONFIG,
        tokens: {
          ...CONFIG.tokens,
          issuer: "https://edge.test",
          audience: "api",
          signingKeyFile: "edge.pem",
        },
      },
      { source: "<test>" },
      dir,
    );
    const other = await startGuard({ table, log: logSink() });
    try {
      const res = await fetch(`${other.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const token = String(((await res.json()) as { access_token: string }).access_token);
      const { payload } = await jwtVerify(token, createPublicKey(privateKey), {
        issuer: "https://edge.test",
        audience: "api",
      });
      assert.equal(payload.sub, "user-1");
    } finally {
      await other.close();
    }
  });

  test("config: issuesTokens without guard.tokens, and a shared store without a key file, are refused", () => {
    assert.throws(
      () =>
        buildRouteTable({
          upstream: "http://127.0.0.1:9",
          store: "redis://127.0.0.1:6379",
          tokens: { issuer: "https://edge.test", audience: "api" },
          routes: [{ path: "/login", methods: ["POST"], public: true, issuesTokens: true }],
        }),
      (error: unknown) => {
        assert.ok(error instanceof RampartError);
        assert.equal(error.code, "ERR_CONFIG_INVALID");
        assert.deepEqual(
          error.problems.map((p) => p.path),
          ["/guard/tokens/signingKeyFile"],
        );
        return true;
      },
    );
    assert.throws(
      () =>
        buildRouteTable({
          upstream: "http://127.0.0.1:9",
          routes: [{ path: "/login", methods: ["POST"], public: true, issuesTokens: true }],
        }),
      /ERR_CONFIG_INVALID|problem/,
    );
  });
});
