import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { exportJWK, type JWTPayload, SignJWT } from "jose";
import { hashApiKey } from "../../src/guard/auth/compile.js";
import {
  algNoneForgeries,
  createAttackerKey,
  keyConfusionForgeries,
  kidTraversalForgery,
  signWithAttackerKey,
  strippedSignatureForgery,
  tamperedSignature,
} from "../../src/scan/jwt/forge.js";
import { decodeJwt as decodeForScan } from "../../src/scan/jwt/token.js";
import { send } from "../helpers/demo-client.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

const HS = "https://hs.issuer.test";
const RS = "https://rs.issuer.test";
const ES = "https://es.issuer.test";
const AUD = "orders-api";
const secret = randomBytes(48).toString("base64url");
const secretBytes = new TextEncoder().encode(secret);
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;
const apiKey = randomBytes(24).toString("hex");

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;
let jwks: Server;
let jwksFetches = 0;

const now = () => Math.floor(Date.now() / 1000);

function sign(
  key: KeyObject | Uint8Array,
  alg: string,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({
    iat: now(),
    nbf: now(),
    exp: now() + 300,
    aud: AUD,
    sub: "alice",
    ...claims,
  })
    .setProtectedHeader({ alg, typ: "JWT", ...header })
    .sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function get(path: string, headers: Record<string, string> = {}) {
  return send(`${url}${path}`, { headers });
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-guard-auth-"));
  writeFileSync(join(dir, "rs.pem"), rsaPem);
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "es-1", alg: "ES256", use: "sig" };
  jwks = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [ecJwk] }));
  });
  await new Promise<void>((done) => jwks.listen(0, "127.0.0.1", done));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    routes: [
      { path: "/api/orders" },
      { path: "/health", public: true },
      { path: "/legacy", authentication: "upstream" },
    ],
    auth: {
      issuers: [
        { name: "hs", issuer: HS, audience: AUD, algorithms: ["HS256"], key: { secret } },
        {
          name: "rs",
          issuer: RS,
          audience: AUD,
          algorithms: ["RS256"],
          key: { publicKeyFile: join(dir, "rs.pem") },
        },
        { name: "es", issuer: ES, audience: AUD, algorithms: ["ES256"], key: { jwksUrl } },
      ],
      apiKeys: [{ name: "ci", hash: hashApiKey(apiKey) }],
    },
  });
  url = guard.url;
  closeGuard = () => guard.close();
});
after(async () => {
  await closeGuard();
  await upstream.close();
  jwks.closeAllConnections();
  await new Promise<void>((done) => jwks.close(() => done()));
});
beforeEach(() => upstream.reset());

async function assertRefused(headers: Record<string, string>, invalidToken = true) {
  const res = await get("/api/orders", headers);
  assert.equal(res.status, 401);
  assert.equal(res.headers["content-type"], "application/problem+json");
  const challenge = String(res.headers["www-authenticate"]);
  assert.match(challenge, /^Bearer realm="rampart"/);
  if (invalidToken) assert.match(challenge, /error="invalid_token", error_description="[^"]+"/);
  assert.equal(upstream.requests.length, 0, "the upstream must not see a refused request");
  return res;
}

describe("authentication: valid credentials pass (AUTH-01, JWT-02)", () => {
  test("a valid HS256 token reaches the upstream", async () => {
    const res = await get("/api/orders", bearer(await sign(secretBytes, "HS256", { iss: HS })));
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  test("a valid RS256 token (PEM public key) reaches the upstream", async () => {
    const res = await get("/api/orders", bearer(await sign(rsa.privateKey, "RS256", { iss: RS })));
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  test("a valid ES256 token (JWKS on loopback) reaches the upstream", async () => {
    const token = await sign(ec.privateKey, "ES256", { iss: ES }, { kid: "es-1" });
    const res = await get("/api/orders", bearer(token));
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  test("a valid API key in its header reaches the upstream", async () => {
    const res = await get("/api/orders", { "x-api-key": apiKey });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  test("public and upstream-authenticated routes stay untouched without credentials", async () => {
    assert.equal((await get("/health")).status, 200);
    assert.equal((await get("/legacy")).status, 200);
    assert.equal(upstream.requests.length, 2);
  });
});

describe("authentication: attacks are refused with 401 before the upstream", () => {
  test("no credential at all: 401 with a plain Bearer challenge", async () => {
    const res = await assertRefused({}, false);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="rampart"');
  });

  test("Basic credentials: 401 with a Bearer challenge, never a Basic one (AUTH-01)", async () => {
    const res = await assertRefused(
      { authorization: `Basic ${Buffer.from("alice:secret").toString("base64")}` },
      false,
    );
    assert.doesNotMatch(String(res.headers["www-authenticate"]), /basic/i);
  });

  test("alg none in every spelling, with and without a signature (JWT-02)", async () => {
    const payload = b64({ iss: HS, aud: AUD, sub: "admin", iat: now(), exp: now() + 60 });
    for (const alg of ["none", "None", "NONE", "nOnE"])
      for (const signature of ["", "e30"])
        await assertRefused(bearer(`${b64({ alg, typ: "JWT" })}.${payload}.${signature}`));
  });

  test("RS->HS confusion: HS256 signed with the issuer's public key (RFC 8725 2.1)", async () => {
    const token = await sign(new TextEncoder().encode(rsaPem), "HS256", { iss: RS });
    await assertRefused(bearer(token));
  });

  test("embedded jwk header: the attacker's own key in the token", async () => {
    const jwk = await exportJWK(attacker.publicKey);
    const token = await sign(attacker.privateKey, "RS256", { iss: RS }, { jwk });
    await assertRefused(bearer(token));
  });

  test("signature stripped and signature from another key", async () => {
    const token = await sign(secretBytes, "HS256", { iss: HS });
    const [head, body] = token.split(".");
    await assertRefused(bearer(`${head}.${body}.`));
    await assertRefused(bearer(`${head}.${body}`));
    await assertRefused(bearer(await sign(randomBytes(48), "HS256", { iss: HS })));
  });

  test("wrong issuer and wrong audience", async () => {
    await assertRefused(bearer(await sign(secretBytes, "HS256", { iss: "https://evil.test" })));
    await assertRefused(bearer(await sign(secretBytes, "HS256", { iss: HS, aud: "other-api" })));
  });

  test("expired, not yet valid (nbf in the future), missing exp", async () => {
    await assertRefused(
      bearer(await sign(secretBytes, "HS256", { iss: HS, iat: now() - 600, exp: now() - 120 })),
    );
    await assertRefused(bearer(await sign(secretBytes, "HS256", { iss: HS, nbf: now() + 600 })));
    const noExp = await new SignJWT({ iss: HS, aud: AUD, iat: now() })
      .setProtectedHeader({ alg: "HS256" })
      .sign(secretBytes);
    await assertRefused(bearer(noExp));
  });

  test("lifetime above the maximum, even when signed (JWT-03)", async () => {
    await assertRefused(bearer(await sign(secretBytes, "HS256", { iss: HS, exp: now() + 3600 })));
    await assertRefused(
      bearer(await sign(secretBytes, "HS256", { iss: HS, iat: now() - 1200, exp: now() + 60 })),
    );
  });

  test("oversized token (JWT-05)", async () => {
    const token = await sign(secretBytes, "HS256", { iss: HS, pad: "x".repeat(5000) });
    await assertRefused(bearer(token));
  });

  test("forbidden claim in the payload (JWT-04)", async () => {
    await assertRefused(bearer(await sign(secretBytes, "HS256", { iss: HS, password: "hunter2" })));
  });

  test("wrong API key, and a key sent twice", async () => {
    await assertRefused({ "x-api-key": `${apiKey}x` }, false);
    await assertRefused({ "x-api-key": "" }, false);
  });

  test("garbage in the bearer token", async () => {
    for (const token of ["", "a.b.c", "not-a-jwt", "....", `${b64({ alg: "HS256" })}.!!.x`])
      await assertRefused(bearer(token));
  });

  test("the refusal does not say which check failed", async () => {
    const expired = await assertRefused(
      bearer(await sign(secretBytes, "HS256", { iss: HS, iat: now() - 600, exp: now() - 120 })),
    );
    const wrongAud = await assertRefused(
      bearer(await sign(secretBytes, "HS256", { iss: HS, aud: "x" })),
    );
    assert.equal(expired.headers["www-authenticate"], wrongAud.headers["www-authenticate"]);
    assert.equal(expired.json().detail, wrongAud.json().detail);
  });
});

describe("authentication: every forgery the scanner makes is refused (JWT-02)", () => {
  test("alg none, stripped and tampered signatures, key confusion, jwk/jku/x5u/kid injection", async () => {
    let attackerFetches = 0;
    const key = createAttackerKey();
    const attackerServer = createServer((_req, res) => {
      attackerFetches++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((done) => attackerServer.listen(0, "127.0.0.1", done));
    const evil = `http://127.0.0.1:${(attackerServer.address() as { port: number }).port}`;
    try {
      for (const [iss, valid] of [
        [RS, await sign(rsa.privateKey, "RS256", { iss: RS })],
        [HS, await sign(secretBytes, "HS256", { iss: HS })],
      ] as const) {
        const jwt = decodeForScan(valid);
        assert.ok(jwt, iss);
        const tokens = [
          ...algNoneForgeries(jwt),
          strippedSignatureForgery(jwt),
          ...keyConfusionForgeries(jwt, { source: "PEM", pems: [rsaPem, rsaPem.trimEnd()] }),
          signWithAttackerKey(jwt, key, "jwk-injection", "jwk", { jwk: key.jwk }),
          signWithAttackerKey(jwt, key, "jku-injection", "jku", {
            jku: `${evil}/jwks.json`,
            kid: key.kid,
          }),
          signWithAttackerKey(jwt, key, "x5u-injection", "x5u", { x5u: `${evil}/cert.pem` }),
          kidTraversalForgery(jwt),
        ].map((f) => f.token);
        tokens.push(tamperedSignature(jwt));
        for (const token of tokens) await assertRefused(bearer(token));
      }
      assert.equal(attackerFetches, 0, "the guard never fetched a key the token pointed to");
    } finally {
      attackerServer.closeAllConnections();
      await new Promise<void>((done) => attackerServer.close(() => done()));
    }
  });
});

describe("authentication: JWKS key-miss flood", () => {
  test("50 tokens with unknown kids cause a bounded number of JWKS fetches", async () => {
    // Warm the cache with one good token, then flood with kids the JWKS does not have.
    await get(
      "/api/orders",
      bearer(await sign(ec.privateKey, "ES256", { iss: ES }, { kid: "es-1" })),
    );
    const before = jwksFetches;
    const forged = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        sign(forged.privateKey, "ES256", { iss: ES }, { kid: `unknown-${i}` }),
      ),
    );
    upstream.reset();
    const answers = await Promise.all(tokens.map((t) => get("/api/orders", bearer(t))));
    for (const res of answers) assert.equal(res.status, 401);
    assert.equal(upstream.requests.length, 0);
    assert.ok(jwksFetches - before <= 1, `${jwksFetches - before} JWKS fetches for 50 misses`);
  });
});
