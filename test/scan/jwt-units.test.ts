import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadConfig } from "../../src/config.js";
import { RampartError } from "../../src/core/errors.js";
import { isLoopbackHost } from "../../src/core/loopback.js";
import { parseYaml } from "../../src/core/yaml.js";
import { classifyClaim, sensitiveClaims } from "../../src/scan/jwt/claims.js";
import { crackHmacSecret, hmacSecretTester } from "../../src/scan/jwt/crack.js";
import {
  algNoneForgeries,
  keyConfusionForgeries,
  kidTraversalForgery,
  strippedSignatureForgery,
  tamperedSignature,
} from "../../src/scan/jwt/forge.js";
import { analyseSamples } from "../../src/scan/jwt/randomness.js";
import { signHmac } from "../../src/scan/jwt/secret.js";
import { maxLifetimeSeconds, publicKeyOption } from "../../src/scan/jwt/settings.js";
import { issuedTokens, scanToken, targetPublicKeys } from "../../src/scan/jwt/target.js";
import { base64UrlDecode, base64UrlEncode, decodeJwt } from "../../src/scan/jwt/token.js";
import type { CheckContext, Exchange, ScanTarget } from "../../src/scan/types.js";
import { JWT_SECRET_WORDS } from "../../src/vocabulary/jwt-secret-words.js";
import { buildSecretWordlist, isWeakSecret } from "../../src/vocabulary/jwt-secrets.js";
import { runCli } from "../helpers/cli.js";

const PAYLOAD = {
  iss: "https://api.example.test",
  sub: "u1",
  iat: 1_700_000_000,
  exp: 1_700_000_600,
};

function hs(alg: "HS256" | "HS384" | "HS512", secret: string | Buffer): string {
  const hash = { HS256: "sha256", HS384: "sha384", HS512: "sha512" }[alg];
  const input = `${base64UrlEncode(JSON.stringify({ alg, typ: "JWT" }))}.${base64UrlEncode(JSON.stringify(PAYLOAD))}`;
  return `${input}.${createHmac(hash, secret).update(input).digest("base64url")}`;
}

describe("base64url and JWT decoding", () => {
  test("base64url round-trips bytes of every length, without padding", () => {
    for (let n = 0; n < 12; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + 251) % 256));
      const text = base64UrlEncode(bytes);
      assert.doesNotMatch(text, /[=+/]/);
      assert.deepEqual(base64UrlDecode(text), bytes);
    }
  });

  test("base64url refuses the standard alphabet, padding and impossible lengths", () => {
    assert.equal(base64UrlDecode("a+b/"), undefined);
    assert.equal(base64UrlDecode("YQ=="), undefined);
    assert.equal(base64UrlDecode("abcde"), undefined); // 4n+1 characters: no encoder writes that
    assert.deepEqual(base64UrlDecode(""), Buffer.alloc(0));
  });

  test("decodeJwt reads a compact JWS and refuses what is not one", () => {
    const jwt = decodeJwt(hs("HS256", "k"));
    assert.equal(jwt?.header.alg, "HS256");
    assert.equal(jwt?.payload.sub, "u1");
    assert.equal(decodeJwt("a.b"), undefined);
    assert.equal(decodeJwt("e30.e30.e30.e30.e30"), undefined, "a JWE has five parts");
    assert.equal(
      decodeJwt(`${base64UrlEncode("[1]")}.e30.`),
      undefined,
      "header must be an object",
    );
    assert.equal(decodeJwt(`${base64UrlEncode("{bad")}.e30.`), undefined);
    assert.ok(decodeJwt("e30.e30."), "an empty signature still decodes (alg none)");
  });
});

describe("weak-secret search", () => {
  test("the wordlist has 100,000+ distinct candidates: ours and their variants first, then the public lists", () => {
    const words = buildSecretWordlist();
    assert.ok(words.length >= 100_000, `only ${words.length}`);
    assert.equal(new Set(words).size, words.length, "each candidate once");
    assert.equal(words[0], "your-256-bit-secret");
    // From @zxcvbn-ts/language-common's passwords, not from our list: after all of ours.
    assert.ok(!JWT_SECRET_WORDS.includes("jennifer"));
    const firstPublic = words.indexOf("jennifer");
    assert.ok(firstPublic >= JWT_SECRET_WORDS.length, `at ${firstPublic}`);
    for (const w of [
      "secret",
      "changeme",
      "jwt_secret",
      "qwerty",
      "Secret2024",
      "s3cr3t",
      "SECRET123",
    ]) {
      const at = words.indexOf(w);
      assert.ok(at >= 0 && at < firstPublic, `${w} is ours: before the public lists`);
    }
    assert.ok(JWT_SECRET_WORDS.length >= 300);
    // The public passwords keep their order, most frequent first.
    assert.ok(firstPublic < words.indexOf("michelle"), "most frequent first");
  });

  test("placeholder secrets composed of a qualifier and a noun, in every sample-config spelling", () => {
    const words = new Set(buildSecretWordlist());
    for (const w of [
      "dummy-secret",
      "SuperSecret",
      "superSecret",
      "my_jwt_key",
      "DEV_SECRET_KEY",
      "testsecret",
    ])
      assert.ok(words.has(w), w);
    assert.ok(!words.has("dummy-secret-rampart"));
  });

  test("the wordlist adds variants of the target's host name", () => {
    const words = buildSecretWordlist("api.shop-example.com");
    for (const w of [
      "shop-example",
      "shop-example_secret",
      "shop-example-jwt-secret",
      "Shop-example",
    ])
      assert.ok(words.includes(w), w);
  });

  test("the tester agrees with createHmac for every HMAC algorithm, short, long and non-ASCII keys", () => {
    const keys = [
      "secret",
      "",
      "é-ü-ß-密钥",
      "x".repeat(64),
      "y".repeat(65),
      "z".repeat(200),
      "👍".repeat(40),
    ];
    for (const alg of ["HS256", "HS384", "HS512"] as const) {
      for (const key of keys) {
        const test = hmacSecretTester(
          decodeJwt(hs(alg, key)) as NonNullable<ReturnType<typeof decodeJwt>>,
        );
        assert.ok(test, alg);
        assert.equal(test(key), true, `${alg} ${key.slice(0, 8)}`);
        assert.equal(test(`${key}!`), false);
      }
    }
  });

  test("a password of the public lists is cracked, a random 32-byte secret is not", async () => {
    const words = buildSecretWordlist("api.example.test");
    const cracked = await crackHmacSecret(
      hmacSecretTester(decodeJwt(hs("HS256", "jennifer")) as never) as (c: string) => boolean,
      words,
    );
    assert.equal(cracked.secret, "jennifer");
    assert.equal(cracked.position, words.indexOf("jennifer") + 1);
    // The last of the list too: the search reaches the end of the public part.
    const last = words.at(-1) as string;
    const tail = await crackHmacSecret(
      hmacSecretTester(decodeJwt(hs("HS512", last)) as never) as (c: string) => boolean,
      words,
    );
    assert.equal(tail.position, words.length);
    const strong = await crackHmacSecret(
      hmacSecretTester(decodeJwt(hs("HS256", randomBytes(32))) as never) as (c: string) => boolean,
      words,
    );
    assert.equal(strong.secret, undefined);
    assert.equal(strong.tried, words.length);
  });

  test("isWeakSecret knows our words and the public lists, whole lines only", () => {
    for (const weak of ["your-256-bit-secret", "Secret2024", "jennifer", "bhrh0h2oof6xbqjeh"])
      assert.equal(isWeakSecret(weak), true, weak);
    const last = buildSecretWordlist().at(-1) as string;
    assert.equal(isWeakSecret(last), true, last);
    for (const strong of [
      randomBytes(32).toString("base64url"),
      "",
      "hrh0h2oof6xbqje", // inside a line of the public lists, not a line
      "123456\npassword",
      "\njennifer\n",
    ])
      assert.equal(isWeakSecret(strong), false, JSON.stringify(strong));
  });

  test("no tester for RS256 tokens: there is no shared secret to guess", () => {
    const token = `${base64UrlEncode('{"alg":"RS256"}')}.${base64UrlEncode("{}")}.c2ln`;
    assert.equal(
      hmacSecretTester(decodeJwt(token) as NonNullable<ReturnType<typeof decodeJwt>>),
      undefined,
    );
  });

  test("the dictionary attack finds a listed secret, its rank, and measures a rate", async () => {
    const words = buildSecretWordlist("api.example.test");
    const test = hmacSecretTester(decodeJwt(hs("HS256", "Changeme2024")) as never) as (
      c: string,
    ) => boolean;
    const result = await crackHmacSecret(test, words, { minSample: 5000 });
    assert.equal(result.secret, "Changeme2024");
    assert.equal(result.position, words.indexOf("Changeme2024") + 1);
    assert.ok(result.tried >= Math.min(5000, words.length));
    assert.ok(result.perSecond > 0);
    const none = await crackHmacSecret(test, ["a", "b"]);
    assert.equal(none.secret, undefined);
    assert.equal(none.tried, 2);
  });

  test("signHmac signs a copy that verifies with the same secret", () => {
    const token = signHmac({ alg: "HS512", typ: "JWT" }, { sub: "u1", exp: 1 }, "secret");
    const test = hmacSecretTester(decodeJwt(token) as never);
    assert.equal(test?.("secret"), true);
    assert.throws(() => signHmac({ alg: "RS256" }, {}, "x"), TypeError);
  });
});

describe("forged tokens", () => {
  const original = decodeJwt(hs("HS256", "k")) as NonNullable<ReturnType<typeof decodeJwt>>;

  test("alg none in four spellings, with the signature stripped and kept, claims unchanged", () => {
    const forged = algNoneForgeries(original);
    assert.equal(forged.length, 8);
    assert.deepEqual(
      [...new Set(forged.map((f) => f.header.alg))],
      ["none", "None", "NONE", "nOnE"],
    );
    for (const f of forged) {
      const parts = f.token.split(".");
      assert.equal(parts[1], original.rawPayload);
      assert.ok(parts[2] === "" || parts[2] === original.rawSignature);
    }
  });

  test("the stripped signature and the tampered control keep header and payload", () => {
    assert.equal(strippedSignatureForgery(original).token, `${original.signingInput}.`);
    const tampered = tamperedSignature(original);
    assert.ok(tampered.startsWith(`${original.signingInput}.`));
    assert.notEqual(tampered, `${original.signingInput}.${original.rawSignature}`);
  });

  test("key confusion signs HS256 with each PEM spelling of the public key", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const forged = keyConfusionForgeries(original, { source: "test", pems: [pem, pem.trimEnd()] });
    assert.equal(forged.length, 2);
    const expected = createHmac("sha256", pem)
      .update(forged[0]?.token.split(".").slice(0, 2).join(".") ?? "")
      .digest("base64url");
    assert.equal(forged[0]?.token.split(".")[2], expected);
    assert.equal(forged[0]?.header.alg, "HS256");
  });

  test("kid traversal names /dev/null and signs with an empty key", () => {
    const forged = kidTraversalForgery(original);
    assert.match(String(forged.header.kid), /\.\.\/dev\/null$/);
    assert.equal(hmacSecretTester(decodeJwt(forged.token) as never)?.(""), true);
  });

  test("only loopback hosts get the jku / x5u listener", () => {
    for (const h of ["127.0.0.1", "127.8.9.10", "[::1]", "localhost"])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ["10.0.0.1", "api.example.com", "127.0.0.1.nip.io", "::2"])
      assert.ok(!isLoopbackHost(h), h);
  });
});

describe("sensitive claims (JWT-04)", () => {
  test("password hashes by value and by name, passwords, secrets", () => {
    assert.equal(classifyClaim("h", `$2b$10$${"a".repeat(53)}`), "password-hash");
    assert.equal(
      classifyClaim("x", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
      "password-hash",
    );
    assert.equal(classifyClaim("x", "$scrypt$N=16384,r=8,p=1$c2FsdA$aGFzaA"), "password-hash");
    assert.equal(classifyClaim("passwordHash", "abcdef"), "password-hash");
    assert.equal(classifyClaim("password", "hunter2"), "password");
    assert.equal(classifyClaim("client_secret", "s3cr3t-value-123"), "secret");
    assert.equal(classifyClaim("aws", "AKIAABCDEFGHIJKLMNOP"), "secret");
  });

  test("card numbers only when they pass Luhn", () => {
    assert.equal(classifyClaim("card", "4111111111111111"), "card-number");
    assert.equal(classifyClaim("pan", "4111 1111 1111 1111"), "card-number");
    assert.equal(classifyClaim("x", "378282246310005"), "card-number");
    assert.equal(classifyClaim("card", "4111111111111112"), undefined, "fails Luhn");
    assert.equal(classifyClaim("iat", 1_700_000_000_000), undefined, "a timestamp is no card");
    assert.equal(
      classifyClaim("id", 4_111_111_111_111_111),
      undefined,
      "an unnamed number is no card",
    );
  });

  test("national ids, emails at low severity, and OIDC half-hashes left alone", () => {
    assert.equal(classifyClaim("x", "123-45-6789"), "national-id");
    assert.equal(classifyClaim("x", "666-45-6789"), undefined, "not a valid SSN area");
    assert.equal(classifyClaim("email", "ana@example.test"), "email");
    assert.equal(classifyClaim("at_hash", "jHkWEdUXMU1BwAsC4vtUsZ"), undefined);
    const found = sensitiveClaims({
      sub: "u1",
      scope: "a b",
      profile: { email: "ana@example.test", cards: ["5555555555554444"] },
    });
    assert.deepEqual(found, [
      { path: "profile.email", kind: "email", severity: "low" },
      { path: "profile.cards.0", kind: "card-number", severity: "high" },
    ]);
    assert.deepEqual(sensitiveClaims(PAYLOAD), []);
  });
});

describe("session randomness (AUTH-02)", () => {
  const now = 1_795_000_000_000;
  test("sequential, identical, timestamp and shared-prefix values are weak", () => {
    assert.equal(
      analyseSamples(["sess-000001", "sess-000002", "sess-000003"], now)?.weakness,
      "sequential",
    );
    const constant = "f3a9c1d2e4b5a6978812";
    assert.equal(analyseSamples([constant, constant, constant], now)?.weakness, "identical");
    assert.equal(analyseSamples(["deleted", "deleted", "deleted"], now), undefined, "a flag");
    const stamps = [0, 1, 2].map((i) => `t${now + i * 37}x${i}`);
    assert.equal(analyseSamples(stamps, now)?.weakness, "timestamp");
    const prefixed = ["a8f3c9d1e2b4-7f", "a8f3c9d1e2b4-2c", "a8f3c9d1e2b4-9a"];
    assert.equal(analyseSamples(prefixed, now)?.weakness, "shared-prefix");
    assert.equal(analyseSamples(["k3", "z9", "b7"], now)?.weakness, "low-entropy");
  });

  test("32 random bytes are silent; fewer than three samples prove nothing", () => {
    const random = [0, 1, 2, 3, 4].map(() =>
      base64UrlEncode(crypto.getRandomValues(new Uint8Array(32))),
    );
    assert.equal(analyseSamples(random, now), undefined);
    assert.equal(analyseSamples(["sess-1", "sess-2"], now), undefined);
  });
});

describe("settings", () => {
  test("the lifetime threshold defaults to 15 minutes and follows scan.jwt", () => {
    assert.equal(maxLifetimeSeconds({}), 900);
    assert.equal(maxLifetimeSeconds({ config: { jwt: { maxLifetimeMinutes: 60 } } }), 3600);
  });

  test("scan.jwt is validated with the config: a zero threshold is refused with its path", () => {
    const ok = loadConfig(parseYaml("scan:\n  jwt:\n    maxLifetimeMinutes: 60\n", "rampart.yaml"));
    assert.equal(ok.scan?.jwt?.maxLifetimeMinutes, 60);
    assert.throws(
      () =>
        loadConfig(
          parseYaml("scan:\n  jwt:\n    maxLifetimeMinutes: 0\n    extra: 1\n", "rampart.yaml"),
        ),
      (e: unknown) =>
        e instanceof RampartError &&
        e.code === "ERR_CONFIG_INVALID" &&
        e.problems.length === 2 &&
        e.problems.some((p) => /maxLifetimeMinutes/.test(p.path)),
    );
  });

  test("--public-key reads a PEM public key and refuses private keys and other files", () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-jwt-"));
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    writeFileSync(join(dir, "pub.pem"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(dir, "junk.pem"), "hello");
    const { config } = publicKeyOption("pub.pem", { login: { path: "/l", body: {} } }, dir);
    assert.match(String(config?.jwt?.publicKey), /BEGIN PUBLIC KEY/);
    assert.equal(config?.login?.path, "/l");
    const usage = (e: unknown) => e instanceof RampartError && e.code === "ERR_USAGE";
    assert.throws(() => publicKeyOption("key.pem", undefined, dir), usage);
    assert.throws(() => publicKeyOption("junk.pem", undefined, dir), usage);
    assert.throws(() => publicKeyOption("missing.pem", undefined, dir), usage);
  });

  test("rampart scan --public-key with a private key: one line, ERR_USAGE, exit 2, nothing sent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-jwt-cli-"));
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    const { code, stderr } = await runCli(
      ["scan", "http://127.0.0.1:9", "--public-key", "key.pem"],
      {
        cwd: dir,
      },
    );
    assert.equal(code, 2);
    assert.match(stderr, /ERR_USAGE.*--public-key: key\.pem holds a private key/);
    assert.equal(stderr.trim().split("\n").length, 1);
    assert.doesNotMatch(stderr, /BEGIN|at .*\.js/);
  });

  test("the configured public key comes first, in SPKI and PKCS#1 spellings, with and without newline", async () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const memo = new Map<string, Promise<unknown>>();
    const notFound = {
      status: 404,
      headers: {},
      setCookies: [],
      body: "",
      truncated: false,
    } as unknown as Exchange;
    const context = {
      config: { jwt: { publicKey: pem } },
      target: { base: new URL("http://127.0.0.1:9"), urls: [], observed: [], operations: [] },
      http: { inScope: () => true, trySend: async () => notFound },
      shared: (key: string, probe: () => Promise<unknown>) => {
        if (!memo.has(key)) memo.set(key, probe());
        return memo.get(key);
      },
    } as unknown as CheckContext;
    const keys = await targetPublicKeys(context);
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.source, "--public-key");
    const pems = keys[0]?.pems ?? [];
    assert.ok(pems.includes(pem) && pems.includes(pem.trimEnd()));
    assert.ok(pems.some((p) => p.startsWith("-----BEGIN RSA PUBLIC KEY-----")));
  });
});

describe("tokens the target issued", () => {
  test("the scan's bearer token first, then login JWT fields and JWT cookies, each once", () => {
    const access = hs("HS256", "a");
    const idToken = hs("HS512", "b");
    const exchange = (over: Partial<Exchange>) =>
      ({
        method: "GET",
        url: "http://127.0.0.1:9/",
        requestHeaders: {},
        status: 200,
        headers: {},
        setCookies: [],
        body: "",
        truncated: false,
        ...over,
      }) as Exchange;
    const target = {
      observed: [
        {
          source: "root",
          authenticated: true,
          exchange: exchange({ requestHeaders: { authorization: `Bearer ${access}` } }),
        },
        {
          source: "login",
          authenticated: false,
          exchange: exchange({
            method: "POST",
            body: JSON.stringify({
              access_token: access,
              id_token: idToken,
              refresh_token: "opaque-1234",
            }),
            setCookies: [`jwt=${idToken}; HttpOnly`, "sid=abc; Secure"],
          }),
        },
      ],
    } as unknown as ScanTarget;
    assert.equal(scanToken(target)?.token, access);
    assert.deepEqual(
      issuedTokens(target).map((t) => t.source),
      ["the scan's token", "login field id_token"],
    );
  });
});
