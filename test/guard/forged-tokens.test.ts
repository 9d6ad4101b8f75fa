import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { type JWTPayload, SignJWT } from "jose";
import type { Guard } from "../../src/guard/server.js";
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

// Through a running guard: an HS256 issuer (base64 secret), an ES256 issuer (PEM), and one iss
// served by two entries (HS256 session tokens, RS256 OAuth tokens) told apart by `alg`.
const HS = "https://hs.issuer.test";
const ES = "https://es.issuer.test";
const SHARED = "https://auth.issuer.test";
const AUD = "orders-api";
const hsSecret = randomBytes(48);
const sharedSecret = randomBytes(32);
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ecPem = ec.publicKey.export({ type: "spki", format: "pem" }) as string;
const rsaPem = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;

let upstream: RecordingUpstream;
let guard: Guard;
let attacker: Server;
let attackerFetches = 0;
let evil = "";

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function sign(
  key: KeyObject | Uint8Array,
  alg: string,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const t = now();
  return new SignJWT({ iat: t, nbf: t, exp: t + 300, aud: AUD, sub: "alice", ...claims })
    .setProtectedHeader({ alg, typ: "JWT", ...header })
    .sign(key);
}

const hs = (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
  sign(hsSecret, "HS256", { iss: HS, ...claims }, header);

function get(headers: Record<string, string> = {}) {
  return send(`${guard.url}/api/orders`, { headers });
}

async function refused(token: string, label: string) {
  const res = await get({ authorization: `Bearer ${token}` });
  assert.equal(res.status, 401, label);
  assert.equal(res.headers["content-type"], "application/problem+json", label);
  assert.equal(
    res.headers["www-authenticate"],
    'Bearer realm="rampart", error="invalid_token", error_description="The access token is invalid or expired"',
    label,
  );
  assert.equal(res.json().detail, "The access token is invalid.", label);
  assert.equal(upstream.requests.length, 0, `${label}: the upstream must not see it`);
}

async function metric(name: string, labels: string): Promise<number> {
  const text = (await send(`${guard.adminUrl}/metrics`)).body;
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-forged-"));
  writeFileSync(join(dir, "es.pem"), ecPem);
  writeFileSync(join(dir, "rs.pem"), rsaPem);
  const key = createAttackerKey();
  attacker = createServer((_req, res) => {
    attackerFetches++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [key.jwk] }));
  });
  await new Promise<void>((done) => attacker.listen(0, "127.0.0.1", done));
  evil = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
  upstream = await startUpstream();
  guard = await guardFor(upstream.url, {
    admin: { listen: "127.0.0.1:0" },
    // One forged token is an event: detection is asserted both ways below.
    detection: { events: { "forged-token": { threshold: 1, windowSeconds: 600 } } },
    routes: [{ path: "/api/orders" }],
    auth: {
      issuers: [
        {
          name: "hs",
          issuer: HS,
          audience: AUD,
          algorithms: ["HS256"],
          key: { secret: hsSecret.toString("base64"), secretEncoding: "base64" },
        },
        {
          name: "es",
          issuer: ES,
          audience: AUD,
          algorithms: ["ES256"],
          key: { publicKeyFile: join(dir, "es.pem") },
        },
        {
          name: "sessions",
          issuer: SHARED,
          audience: AUD,
          algorithms: ["HS256"],
          key: { secret: sharedSecret.toString("hex"), secretEncoding: "hex" },
        },
        {
          name: "oauth",
          issuer: SHARED,
          audience: AUD,
          algorithms: ["RS256"],
          key: { publicKeyFile: join(dir, "rs.pem") },
        },
      ],
      forward: {
        subject: "X-Auth-Subject",
        issuer: "X-Auth-Issuer",
        scopes: "X-Auth-Scopes",
        claims: { email: "X-Auth-Email" },
      },
    },
  });
});
after(async () => {
  await guard.close();
  await upstream.close();
  attacker.closeAllConnections();
  await new Promise<void>((done) => attacker.close(() => done()));
});
beforeEach(() => upstream.reset());

describe("valid tokens pass, and the upstream sees the verified identity", () => {
  test("HS256 with a base64 secret: 200, identity headers forwarded", async () => {
    const token = await hs({ scope: "orders:read profile", email: "alice@example.test" });
    const res = await get({ authorization: `Bearer ${token}`, "x-auth-subject": "admin" });
    assert.equal(res.status, 200);
    const seen = upstream.requests[0]?.headers;
    assert.equal(seen?.["x-auth-subject"], "alice", "the verified sub replaces the client's");
    assert.equal(seen?.["x-auth-issuer"], HS);
    assert.equal(seen?.["x-auth-scopes"], "orders:read profile");
    assert.equal(seen?.["x-auth-email"], "alice@example.test");
  });

  test("ES256 with a PEM key: 200", async () => {
    const res = await get({
      authorization: `Bearer ${await sign(ec.privateKey, "ES256", { iss: ES })}`,
    });
    assert.equal(res.status, 200);
  });

  test("one iss, two entries picked by alg: HS256 (hex secret) and RS256 both pass", async () => {
    for (const token of [
      await sign(sharedSecret, "HS256", { iss: SHARED }),
      await sign(rsa.privateKey, "RS256", { iss: SHARED }),
    ])
      assert.equal((await get({ authorization: `Bearer ${token}` })).status, 200);
    assert.equal(upstream.requests.length, 2);
  });

  test("a claim value with CR/LF is not forwarded (header injection)", async () => {
    const token = await hs({ email: "a@example.test\r\nX-Admin: 1" });
    assert.equal((await get({ authorization: `Bearer ${token}` })).status, 200);
    const seen = upstream.requests[0]?.headers;
    assert.equal(seen?.["x-auth-email"], undefined);
    assert.equal(seen?.["x-admin"], undefined);
    assert.equal(seen?.["x-auth-subject"], "alice");
  });
});

describe("forged tokens are refused 401, never reach the upstream, and are detected", () => {
  test("refusals that are not forgeries raise no forged-token event", async () => {
    await refused(await hs({ iat: now() - 600, nbf: now() - 600, exp: now() - 120 }), "expired");
    await refused(await hs({ aud: "other-api" }), "wrong aud");
    assert.equal(await metric("rampart_guard_events_total", 'event="forged-token"'), 0);
  });

  test("every forgery of the scanner, against each issuer", async () => {
    for (const valid of [
      await hs(),
      await sign(ec.privateKey, "ES256", { iss: ES }),
      await sign(rsa.privateKey, "RS256", { iss: SHARED }),
    ]) {
      const jwt = decodeForScan(valid);
      assert.ok(jwt);
      const key = createAttackerKey();
      const forgeries = [
        ...algNoneForgeries(jwt),
        strippedSignatureForgery(jwt),
        ...keyConfusionForgeries(jwt, { source: "PEM", pems: [rsaPem, ecPem, ecPem.trimEnd()] }),
        signWithAttackerKey(jwt, key, "jwk-injection", "jwk", { jwk: key.jwk }),
        signWithAttackerKey(jwt, key, "jku-injection", "jku", {
          jku: `${evil}/jwks.json`,
          kid: key.kid,
        }),
        signWithAttackerKey(jwt, key, "x5u-injection", "x5u", { x5u: `${evil}/cert.pem` }),
        kidTraversalForgery(jwt),
      ];
      for (const forgery of forgeries) await refused(forgery.token, forgery.variant);
      await refused(tamperedSignature(jwt), "tampered signature");
    }
    assert.equal(attackerFetches, 0, "the guard never fetched a key a token pointed to");
    assert.ok((await metric("rampart_guard_events_total", 'event="forged-token"')) >= 1);
  });

  test("alg none in every spelling, hand-made, with and without a signature", async () => {
    const payload = b64({
      iss: HS,
      aud: AUD,
      sub: "admin",
      iat: now(),
      nbf: now(),
      exp: now() + 60,
    });
    for (const alg of ["none", "None", "NONE", "nOnE"])
      for (const signature of ["", "e30"])
        await refused(`${b64({ alg, typ: "JWT" })}.${payload}.${signature}`, `alg ${alg}`);
  });

  test("kid injection: SQL in the kid, HMAC keyed with what the query would return", async () => {
    const kid = "x' UNION SELECT 'attacker-key' -- ";
    const token = await sign(
      new TextEncoder().encode("attacker-key"),
      "HS256",
      { iss: HS },
      { kid },
    );
    await refused(token, "kid SQL injection");
  });

  test("a token re-signed with a weak secret (the jwt.io one, and 'secret')", async () => {
    for (const weak of ["your-256-bit-secret", "secret"])
      await refused(
        await sign(new TextEncoder().encode(weak), "HS256", { iss: HS, sub: "admin" }),
        weak,
      );
  });

  test("an algorithm the shared iss does not pin (ES256 under the HS/RS issuer)", async () => {
    await refused(await sign(ec.privateKey, "ES256", { iss: SHARED }), "ES256 under SHARED");
  });
});

describe("tokens with bad claims are refused with the same answer, counted by reason", () => {
  test("each claim failure, then the metric by reason", async () => {
    const reasonOf = (reason: string) =>
      metric("rampart_guard_auth_failures_total", `reason="${reason}"`);
    const noNbf = await new SignJWT({ iss: HS, aud: AUD, iat: now(), exp: now() + 60 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(hsSecret);
    const signed = decodeForScan(await hs({ sub: "admin" }));
    assert.ok(signed);
    const cases: [string, string][] = [
      ["expired", await hs({ iat: now() - 600, nbf: now() - 600, exp: now() - 120 })],
      ["not-yet-valid", await hs({ nbf: now() + 600 })],
      ["not-yet-valid", await hs({ iat: now() + 600, nbf: now(), exp: now() + 700 })],
      ["wrong-issuer", await hs({ iss: "https://evil.test" })],
      ["wrong-audience", await hs({ aud: "other-api" })],
      ["too-long-lived", await hs({ exp: now() + 3600 })],
      ["too-long-lived", await hs({ iat: now() - 1200, nbf: now() - 1200, exp: now() + 60 })],
      ["missing-claim", noNbf],
      ["too-large", await hs({ pad: "x".repeat(5000) })],
      ["forbidden-claim", await hs({ password: "hunter2" })],
      ["malformed", "not.a.jwt"],
      ["forged", tamperedSignature(signed)],
    ];
    const sent = new Map<string, number>();
    for (const [reason] of cases) sent.set(reason, (sent.get(reason) ?? 0) + 1);
    const before = new Map<string, number>();
    for (const reason of sent.keys()) before.set(reason, await reasonOf(reason));
    for (const [reason, token] of cases) await refused(token, reason);
    for (const [reason, count] of sent)
      assert.equal(await reasonOf(reason), (before.get(reason) ?? 0) + count, reason);
  });

  test("a revoked jti is refused, even after it was accepted (and cached)", async () => {
    const jti = randomUUID();
    const token = await hs({ jti });
    assert.equal((await get({ authorization: `Bearer ${token}` })).status, 200);
    await guard.store.revocations.add(jti, 600, "test");
    upstream.reset();
    await refused(token, "revoked");
    assert.ok((await metric("rampart_guard_auth_failures_total", 'reason="revoked"')) >= 1);
    const other = await hs({ jti: randomUUID() });
    assert.equal((await get({ authorization: `Bearer ${other}` })).status, 200);
  });
});
