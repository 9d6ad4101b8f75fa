import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SignJWT } from "jose";
import { RampartError } from "../../src/core/errors.js";
import { compileAuth } from "../../src/guard/auth/compile.js";
import { AUTH_DEFAULTS } from "../../src/guard/auth/schema.js";
import { authenticate } from "../../src/guard/auth/verify.js";
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

  test("a long secret the team lists in vocabulary.jwtSecrets is refused like the built-in ones", async () => {
    const leaked = `staging-${"k".repeat(40)}`;
    const config = (vocabulary: boolean) =>
      [
        ...(vocabulary ? ["vocabulary:", `  jwtSecrets: [${leaked}]`] : []),
        "guard:",
        `  upstream: ${UPSTREAM}`,
        "  routes: [{ path: /a }]",
        "  auth:",
        "    issuers:",
        "      - name: hs",
        "        issuer: https://issuer.test",
        "        audience: api",
        "        algorithms: [HS256]",
        `        key: { secret: ${leaked} }`,
        "",
      ].join("\n");
    const path = join(dir, "vocabulary-secret.yaml");
    writeFileSync(path, config(true));
    await assert.rejects(
      () => loadGuard({ config: path }, dir),
      (error: unknown) =>
        error instanceof RampartError &&
        error.problems.some(
          (p) => p.path === "/guard/auth/issuers/0/key/secret" && /weak-secret/.test(p.message),
        ),
    );
    writeFileSync(path, config(false));
    assert.ok(await loadGuard({ config: path }, dir));
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

describe("guard.auth config: secret encodings, shared issuers, required claims", () => {
  test("a base64 secret's length is counted in decoded bytes", () => {
    // 32 base64 characters are only 24 bytes: too short for HS256 although 32 characters long.
    const short = randomBytes(24).toString("base64");
    assert.equal(short.length, 32);
    const problems = problemsOf(() =>
      build({ issuers: [hs({ secret: short, secretEncoding: "base64" })] }),
    );
    assert.match(problems.join("\n"), /key\/secret: HMAC secret of 24 bytes is too short: 32/);
    assert.ok(
      build({
        issuers: [hs({ secret: randomBytes(32).toString("base64"), secretEncoding: "base64" })],
      }),
    );
  });

  test("a hex secret's length is counted in decoded bytes, from secretEnv too", () => {
    process.env.RAMPART_TEST_HEX_SECRET = randomBytes(16).toString("hex");
    try {
      const problems = problemsOf(() =>
        build({
          issuers: [hs({ secretEnv: "RAMPART_TEST_HEX_SECRET", secretEncoding: "hex" })],
        }),
      );
      assert.match(problems.join("\n"), /key\/secretEnv: HMAC secret of 16 bytes is too short/);
    } finally {
      delete process.env.RAMPART_TEST_HEX_SECRET;
    }
  });

  test("text that is not in the declared encoding is refused, never half-decoded", () => {
    const problems = problemsOf(() =>
      build({
        issuers: [
          hs({ secret: `${randomBytes(40).toString("base64")}!!`, secretEncoding: "base64" }),
          {
            ...hs({ secret: `${randomBytes(40).toString("hex")}zz`, secretEncoding: "hex" }),
            issuer: "https://two.test",
          },
          {
            ...hs({ secret: randomBytes(40).toString("base64"), secretEncoding: "base64url" }),
            issuer: "https://three.test",
          },
        ],
      }),
    );
    assert.deepEqual(problems, [
      "/guard/auth/issuers/0/key/secret: not valid base64",
      "/guard/auth/issuers/1/key/secret: not valid hex",
      "/guard/auth/issuers/2/key/secret: not valid base64url",
    ]);
  });

  test("a weak secret stays weak when written in base64", () => {
    const problems = problemsOf(() =>
      build({
        issuers: [
          hs({ secret: Buffer.from(WEAK_LONG).toString("base64"), secretEncoding: "base64" }),
        ],
      }),
    );
    assert.match(problems.join("\n"), /weak-secret list/);
  });

  test("secretEncoding next to a public key is a config error", () => {
    const problems = problemsOf(() =>
      build({
        issuers: [
          {
            name: "rs",
            issuer: "https://rs.test",
            audience: "api",
            algorithms: ["RS256"],
            key: { publicKeyFile: "x.pem", secretEncoding: "base64" },
          },
        ],
      }),
    );
    assert.deepEqual(problems, [
      "/guard/auth/issuers/0/key/secretEncoding: applies to secret and secretEnv only",
    ]);
  });

  test("one iss with overlapping algorithms in two entries is refused", () => {
    const pem = join(dir, "shared-rs.pem");
    writeFileSync(
      pem,
      generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
        type: "spki",
        format: "pem",
      }),
    );
    const rs = (algorithms: ("RS256" | "RS384")[]) => ({
      name: "rs",
      issuer: "https://issuer.test",
      audience: "api",
      algorithms,
      key: { publicKeyFile: pem },
    });
    const secret = randomBytes(32).toString("hex");
    const problems = problemsOf(() =>
      build({ issuers: [hs({ secret }), rs(["RS256"]), rs(["RS384", "RS256"])] }),
    );
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] as string,
      /^\/guard\/auth\/issuers\/2\/algorithms: RS256 already pinned for issuer "https:\/\/issuer.test" by \/auth\/issuers\/1/,
    );
    assert.match(
      problemsOf(() => build({ issuers: [hs({ secret }), hs({ secret })] })).join("\n"),
      /issuers\/1\/algorithms: HS256 already pinned/,
    );
    assert.ok(build({ issuers: [hs({ secret }), rs(["RS256", "RS384"])] }), "disjoint: accepted");
  });

  test("requiredClaims: nbf may be dropped explicitly; iss, aud, exp and iat may not", () => {
    const secret = randomBytes(32).toString("hex");
    assert.deepEqual(AUTH_DEFAULTS.issuer.requiredClaims, ["iss", "aud", "exp", "nbf", "iat"]);
    assert.ok(
      build({ issuers: [hs({ secret }, { requiredClaims: ["iss", "aud", "exp", "iat"] })] }),
    );
    const problems = problemsOf(() =>
      build({ issuers: [hs({ secret }, { requiredClaims: ["iss", "aud", "nbf"] })] }),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /issuers\/0\/requiredClaims: must include exp, iat/);
  });
});

describe("guard.auth: issuers the guard trusts itself (its own tokens)", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const trusted = {
    name: "rampart-edge",
    issuer: "https://edge.test",
    audience: "api",
    algorithms: ["ES256" as const],
    key: ec.publicKey,
    path: "/tokens",
  };

  test("a trusted issuer's tokens pass with the same checks as a configured one", async () => {
    const problems: string[] = [];
    const auth = compileAuth(undefined, dir, (p, m) => problems.push(`${p}: ${m}`), {}, [trusted]);
    assert.deepEqual(problems, []);
    assert.ok(auth);
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ iss: trusted.issuer, aud: "api", iat: now, nbf: now, exp: now + 60, ...claims })
        .setProtectedHeader({ alg: "ES256" })
        .sign(ec.privateKey);
    const ok = await authenticate(auth, { authorization: `Bearer ${await sign({ jti: "j" })}` });
    assert.ok(ok.ok);
    assert.equal(ok.identity.via, "rampart-edge");
    assert.equal(ok.identity.claims.jti, "j");
    const long = await authenticate(auth, {
      authorization: `Bearer ${await sign({ exp: now + 3600 })}`,
    });
    assert.deepEqual(long, { ok: false, failure: "too-long-lived" });
  });

  test("a configured issuer pinning the same iss and alg is refused, named where each is", () => {
    const problems: string[] = [];
    const pem = join(dir, "edge.pem");
    writeFileSync(pem, ec.publicKey.export({ type: "spki", format: "pem" }));
    const auth = compileAuth(
      {
        issuers: [
          {
            name: "x",
            issuer: trusted.issuer,
            audience: "api",
            algorithms: ["ES256"],
            key: { publicKeyFile: pem },
          },
        ],
      },
      dir,
      (p, m) => problems.push(`${p}: ${m}`),
      {},
      [trusted, { ...trusted, algorithms: ["RS256"], path: "/other" }],
    );
    assert.equal(auth, undefined);
    assert.deepEqual(problems, [
      '/tokens/algorithms: ES256 already pinned for issuer "https://edge.test" by /auth/issuers/0: entries of one iss need disjoint algorithms',
      "/other/algorithms: RS256 does not match a ec key",
    ]);
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
