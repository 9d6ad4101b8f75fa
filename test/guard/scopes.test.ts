import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { type JWTPayload, SignJWT } from "jose";
import { RampartError } from "../../src/core/errors.js";
import { hashApiKey } from "../../src/guard/auth/compile.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import type { Guard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

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
      key: { secret: secret.toString("base64url"), secretEncoding: "base64url" },
    },
  ],
  apiKeys: [{ name: "ci", hash: hashApiKey(apiKey) }],
};

let upstream: RecordingUpstream;
let guard: Guard;

const now = () => Math.floor(Date.now() / 1000);
function token(claims: JWTPayload): Promise<string> {
  const t = now();
  return new SignJWT({ iss: ISS, aud: AUD, sub: "alice", iat: t, nbf: t, exp: t + 300, ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .sign(secret);
}
async function get(path: string, claims: JWTPayload | undefined) {
  const headers: Record<string, string> =
    claims === undefined
      ? { "x-api-key": apiKey }
      : { authorization: `Bearer ${await token(claims)}` };
  return send(`${guard.url}${path}`, { headers });
}

async function forbidden(path: string, claims: JWTPayload | undefined, scope?: string) {
  const res = await get(path, claims);
  assert.equal(res.status, 403, JSON.stringify(claims));
  assert.equal(res.headers["content-type"], "application/problem+json");
  assert.equal(
    res.headers["www-authenticate"],
    `Bearer realm="rampart", error="insufficient_scope"${scope ? `, scope="${scope}"` : ""}`,
  );
  assert.equal(upstream.requests.length, 0, "the upstream must not see a refused request");
}

before(async () => {
  upstream = await startUpstream();
  guard = await guardFor(upstream.url, {
    routes: [
      { path: "/orders", scopes: ["orders:read"] },
      { path: "/admin", scopes: ["admin", "orders:write"] },
      { path: "/tenant", claims: { tenant: ["acme", 42], email_verified: [true] } },
      { path: "/groups", claims: { groups: ["admins"] } },
      { path: "/open" },
    ],
    auth,
  });
});
after(async () => {
  await guard.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

describe("scopes per route (OAUTH-04, RFC 6750 3.1)", () => {
  test("missing scope: 403 insufficient_scope naming the required scopes", async () => {
    await forbidden("/orders", { scope: "profile" }, "orders:read");
    await forbidden("/orders", {}, "orders:read");
  });

  test("the right scope in a space-separated scope claim: 200", async () => {
    assert.equal((await get("/orders", { scope: "profile orders:read" })).status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  test("scp as an array and as a string: 200", async () => {
    assert.equal((await get("/orders", { scp: ["orders:read"] })).status, 200);
    assert.equal((await get("/orders", { scp: "orders:read admin" })).status, 200);
  });

  test("every listed scope is needed, not one of them", async () => {
    await forbidden("/admin", { scope: "admin" }, "admin orders:write");
    assert.equal((await get("/admin", { scope: "orders:write admin" })).status, 200);
  });

  test("scope prefix bypass: orders:readwrite is not orders:read", async () => {
    await forbidden("/orders", { scope: "orders:readwrite orders:rea" }, "orders:read");
    await forbidden("/orders", { scope: "orders:read,profile" }, "orders:read");
  });

  test("an API key on a scoped route: 403 (keys carry no scopes); on a plain route: 200", async () => {
    await forbidden("/orders", undefined, "orders:read");
    assert.equal((await get("/open", undefined)).status, 200);
  });

  test("no credential on a scoped route: 401 first, not 403", async () => {
    const res = await send(`${guard.url}/orders`);
    assert.equal(res.status, 401);
  });
});

describe("claims per route", () => {
  test("matching claims pass (string or number value, boolean)", async () => {
    assert.equal((await get("/tenant", { tenant: "acme", email_verified: true })).status, 200);
    assert.equal((await get("/tenant", { tenant: 42, email_verified: true })).status, 200);
  });

  test("mismatched, differently typed or missing claims: 403", async () => {
    await forbidden("/tenant", { tenant: "ACME", email_verified: true });
    await forbidden("/tenant", { tenant: "42", email_verified: true });
    await forbidden("/tenant", { tenant: "acme", email_verified: "true" });
    await forbidden("/tenant", { tenant: "acme" });
    await forbidden("/tenant", undefined);
  });

  test("a list-valued claim matches when one item does", async () => {
    assert.equal((await get("/groups", { groups: ["staff", "admins"] })).status, 200);
    upstream.reset();
    await forbidden("/groups", { groups: ["staff"] });
    await forbidden("/groups", { groups: "staff admins" });
  });
});

describe("scopes config", () => {
  const problems = (config: Omit<GuardConfig, "upstream">): string => {
    try {
      buildRouteTable({ upstream: "http://127.0.0.1:9", auth, ...config });
    } catch (error) {
      assert.ok(error instanceof RampartError, String(error));
      return error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
    }
    return assert.fail("expected a config error");
  };

  test("scopes on a public or upstream-authenticated route are a config error", () => {
    const text = problems({
      routes: [
        { path: "/health", public: true, scopes: ["x"] },
        { path: "/legacy", authentication: "upstream", claims: { tenant: ["a"] } },
      ],
    });
    assert.match(text, /\/guard\/routes\/0: scopes-required: .*public/);
    assert.match(text, /\/guard\/routes\/1: scopes-required: /);
  });

  test("default scopes reach a public route only unless it clears them explicitly", () => {
    assert.match(
      problems({ defaults: { scopes: ["read"] }, routes: [{ path: "/h", public: true }] }),
      /routes\/0: scopes-required/,
    );
    assert.ok(
      buildRouteTable({
        upstream: "http://127.0.0.1:9",
        auth,
        defaults: { scopes: ["read"] },
        routes: [{ path: "/h", public: true, scopes: [] }, { path: "/a" }],
      }),
    );
  });
});
