import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SignJWT } from "jose";
import { RampartError } from "../../src/core/errors.js";
import { AUTH_DEFAULTS } from "../../src/guard/auth/schema.js";
import { loadGuard } from "../../src/guard/config/load.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { send } from "../helpers/demo-client.js";
import { guardFor, startUpstream } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-guard-auth-config-"));
const UPSTREAM = "http://127.0.0.1:9";
const WEAK_LONG = "abcdefghijklmnopqrstuvwxyz123456";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RampartError, String(error));
    assert.equal(error.code, "ERR_CONFIG_INVALID");
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return assert.fail("expected a config error");
}

function build(auth: GuardConfig["auth"]) {
  return buildRouteTable({ upstream: UPSTREAM, routes: [{ path: "/a" }], auth }, undefined, dir);
}

const hs = (key: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  name: "hs",
  issuer: "https://issuer.test",
  audience: "api",
  algorithms: ["HS256" as const],
  key,
  ...extra,
});

describe("guard.auth config (JWT-01)", () => {
  test("defaults are the secure values", () => {
    assert.equal(AUTH_DEFAULTS.issuer.maxLifetimeSeconds, 900);
    assert.equal(AUTH_DEFAULTS.issuer.maxTokenBytes, 4096);
    assert.equal(AUTH_DEFAULTS.issuer.allowWeakSecret, false);
  });

  test("a secret from the weak-secret list is refused at start, even 32 bytes long", () => {
    const problems = problemsOf(() => build({ issuers: [hs({ secret: WEAK_LONG })] }));
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /^\/guard\/auth\/issuers\/0\/key\/secret: .*weak-secret/);
  });

  test("allowWeakSecret: true, spelled out, accepts a weak secret", () => {
    assert.ok(build({ issuers: [hs({ secret: WEAK_LONG }, { allowWeakSecret: true })] }));
    assert.ok(
      build({ issuers: [hs({ secret: "your-256-bit-secret" }, { allowWeakSecret: true })] }),
    );
  });

  test("a secret shorter than 256 bits is refused", () => {
    const problems = problemsOf(() =>
      build({ issuers: [hs({ secret: randomBytes(12).toString("hex") })] }),
    );
    assert.match(problems.join("\n"), /key\/secret: HMAC secret of 24 bytes is too short: 32/);
  });

  test("missing algorithms are refused by the schema", async () => {
    const path = join(dir, "no-alg.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        `  upstream: ${UPSTREAM}`,
        "  auth:",
        "    issuers:",
        "      - name: hs",
        "        issuer: https://issuer.test",
        "        audience: api",
        `        key: { secret: ${randomBytes(32).toString("hex")} }`,
        "",
      ].join("\n"),
    );
    await assert.rejects(
      () => loadGuard({ config: path }, dir),
      (error: unknown) =>
        error instanceof RampartError &&
        error.problems.some(
          (p) => p.path.startsWith("/guard/auth/issuers/0") && /algorithms/.test(p.message),
        ),
    );
  });

  test("every problem is reported at once, with its path", () => {
    delete process.env.RAMPART_TEST_UNSET_SECRET;
    const problems = problemsOf(() =>
      build({
        issuers: [
          hs({ secret: "short" }),
          { ...hs({ secret: WEAK_LONG }), issuer: "https://two.test" },
          { ...hs({ secretEnv: "RAMPART_TEST_UNSET_SECRET" }), issuer: "https://three.test" },
          {
            name: "rs",
            issuer: "https://rs.test",
            audience: "api",
            algorithms: ["RS256", "HS256"],
            key: { publicKeyFile: "missing.pem" },
          },
          {
            name: "pem",
            issuer: "https://pem.test",
            audience: "api",
            algorithms: ["RS256"],
            key: { publicKeyFile: "missing.pem" },
          },
          {
            name: "remote",
            issuer: "https://remote.test",
            audience: "api",
            algorithms: ["ES256"],
            key: { jwksUrl: "http://keys.example.com/jwks.json" },
          },
          {
            name: "two",
            issuer: "https://both.test",
            audience: "api",
            algorithms: ["ES256"],
            key: { jwksUrl: "https://keys.test/jwks", publicKeyFile: "x.pem" },
          },
        ],
      }),
    );
    const text = problems.join("\n");
    for (const where of [
      "/guard/auth/issuers/0/key/secret: HMAC secret of 5 bytes",
      "/guard/auth/issuers/1/key/secret: HMAC secret is in the weak-secret list",
      "/guard/auth/issuers/2/key/secretEnv: environment variable RAMPART_TEST_UNSET_SECRET",
      "/guard/auth/issuers/3/algorithms: HS* algorithms need a secret",
      "/guard/auth/issuers/4/key/publicKeyFile: no such file",
      "/guard/auth/issuers/5/key/jwksUrl: must be https://",
      "/guard/auth/issuers/6/key: needs exactly one",
    ])
      assert.ok(text.includes(where), `missing "${where}" in:\n${text}`);
    assert.equal(problems.length, 7);
  });

  test("a YAML config with an auth section loads", async () => {
    const path = join(dir, "ok.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        `  upstream: ${UPSTREAM}`,
        "  routes: [{ path: /a }]",
        "  auth:",
        "    issuers:",
        "      - { name: hs, issuer: https://i.test, audience: api, algorithms: [HS256], key: { secretEnv: RAMPART_TEST_SECRET } }",
        `    apiKeys: [{ name: ci, hash: "sha256:${"ab".repeat(32)}" }]`,
        "",
      ].join("\n"),
    );
    process.env.RAMPART_TEST_SECRET = randomBytes(32).toString("hex");
    try {
      assert.ok(await loadGuard({ config: path }, dir));
    } finally {
      delete process.env.RAMPART_TEST_SECRET;
    }
  });
});

describe("guard.auth: a JWKS that cannot be fetched fails closed", () => {
  test("JWKS endpoint down: 503, never a pass, and the upstream sees nothing", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((done) => probe.close(() => done()));
    const upstream = await startUpstream();
    const guard = await guardFor(upstream.url, {
      routes: [{ path: "/a" }],
      auth: {
        issuers: [
          {
            name: "remote",
            issuer: "https://remote.test",
            audience: "api",
            algorithms: ["ES256"],
            key: { jwksUrl: `http://127.0.0.1:${port}/jwks.json` },
          },
        ],
      },
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        iss: "https://remote.test",
        aud: "api",
        iat: now,
        exp: now + 60,
      })
        .setProtectedHeader({ alg: "HS256", kid: "k" })
        .sign(randomBytes(32));
      const res = await send(`${guard.url}/a`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401, "a token with an unpinned alg is refused before any fetch");
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const es = await new SignJWT({
        iss: "https://remote.test",
        aud: "api",
        iat: now,
        exp: now + 60,
      })
        .setProtectedHeader({ alg: "ES256", kid: "k" })
        .sign(ec.privateKey);
      const down = await send(`${guard.url}/a`, { headers: { authorization: `Bearer ${es}` } });
      assert.equal(down.status, 503);
      assert.equal(upstream.requests.length, 0);
    } finally {
      await guard.close();
      await upstream.close();
    }
  });
});
