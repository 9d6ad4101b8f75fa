import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { type JWTPayload, SignJWT } from "jose";
import { type CompiledAuth, compileAuth } from "../../src/guard/auth/compile.js";
import type { AuthConfig } from "../../src/guard/auth/schema.js";
import { authenticate } from "../../src/guard/auth/verify.js";

// The verified-token cache, in-process with an injected clock: a hit is re-checked against the
// clock and the revocation set, and only successes are remembered.
const ISS = "https://issuer.test";
const secret = randomBytes(32);
const T0 = 1_900_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

function compiled(extra: Partial<AuthConfig> = {}): CompiledAuth {
  const problems: string[] = [];
  const auth = compileAuth(
    {
      issuers: [
        {
          name: "hs",
          issuer: ISS,
          audience: "api",
          algorithms: ["HS256"],
          key: { secret: secret.toString("hex"), secretEncoding: "hex" },
        },
      ],
      ...extra,
    },
    ".",
    (p, m) => problems.push(`${p}: ${m}`),
  );
  assert.deepEqual(problems, []);
  assert.ok(auth);
  return auth;
}

function token(claims: JWTPayload = {}, key: Uint8Array = secret): Promise<string> {
  return new SignJWT({
    iss: ISS,
    aud: "api",
    sub: "alice",
    iat: T0,
    nbf: T0,
    exp: T0 + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256" })
    .sign(key);
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("verified-token cache", () => {
  test("a cached token expires on time: exp is checked again on every hit", async () => {
    const auth = compiled();
    const t = await token();
    assert.equal((await authenticate(auth, bearer(t), { now: at(T0 + 10) })).ok, true);
    assert.equal(auth.cache?.size, 1);
    assert.equal(
      (await authenticate(auth, bearer(t), { now: at(T0 + 300) })).ok,
      true,
      "within tolerance",
    );
    assert.deepEqual(await authenticate(auth, bearer(t), { now: at(T0 + 331) }), {
      ok: false,
      failure: "expired",
    });
    assert.equal(auth.cache?.size, 0, "an expired token leaves the cache");
  });

  test("a cached token is refused once its jti is revoked", async () => {
    const auth = compiled();
    const t = await token({ jti: "j-1" });
    const revoked = new Set<string>();
    const options = { now: at(T0 + 1), revocations: revoked };
    assert.equal((await authenticate(auth, bearer(t), options)).ok, true);
    revoked.add("j-1");
    assert.deepEqual(await authenticate(auth, bearer(t), options), {
      ok: false,
      failure: "revoked",
    });
  });

  test("a token used before its nbf is refused, cached or not", async () => {
    const auth = compiled();
    const t = await token({ nbf: T0 + 100 });
    assert.equal((await authenticate(auth, bearer(t), { now: at(T0 + 100) })).ok, true);
    assert.deepEqual(await authenticate(auth, bearer(t), { now: at(T0 + 50) }), {
      ok: false,
      failure: "not-yet-valid",
    });
  });

  test("forged and failing tokens never enter the cache", async () => {
    const auth = compiled();
    const forged = await token({}, randomBytes(32));
    const expired = await token({ exp: T0 + 5 });
    for (const t of [forged, expired, forged])
      assert.equal((await authenticate(auth, bearer(t), { now: at(T0 + 60) })).ok, false);
    assert.equal(auth.cache?.size, 0);
  });

  test("the cache is bounded, and verifiedTokenCacheSize: 0 disables it", async () => {
    const small = compiled({ verifiedTokenCacheSize: 2 });
    for (const sub of ["a", "b", "c"])
      assert.equal(
        (await authenticate(small, bearer(await token({ sub })), { now: at(T0) })).ok,
        true,
      );
    assert.equal(small.cache?.size, 2);
    const none = compiled({ verifiedTokenCacheSize: 0 });
    assert.equal(none.cache, undefined);
    const t = await token();
    assert.equal((await authenticate(none, bearer(t), { now: at(T0) })).ok, true);
    assert.deepEqual(await authenticate(none, bearer(t), { now: at(T0 + 400) }), {
      ok: false,
      failure: "expired",
    });
  });

  test("a hit returns the same identity, scopes included", async () => {
    const auth = compiled();
    const t = await token({ scope: "a b" });
    const first = await authenticate(auth, bearer(t), { now: at(T0) });
    const second = await authenticate(auth, bearer(t), { now: at(T0 + 1) });
    assert.ok(first.ok && second.ok);
    assert.equal(second.identity, first.identity);
    assert.deepEqual(second.identity.scopes, ["a", "b"]);
  });
});
