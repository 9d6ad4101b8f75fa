import assert from "node:assert/strict";
import { test } from "node:test";
import { luhnValid, maskSecret, redact, redactHeaders, redactUrl } from "../../src/core/redact.js";

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

test("a JWT anywhere in text is redacted", () => {
  const out = redact(`token=${JWT} and more`);
  assert.doesNotMatch(out, /eyJhbGci/);
  assert.match(out, /\[REDACTED(:jwt)?\]/);
});

test("sensitive JSON fields are redacted, others kept", () => {
  assert.equal(
    redact('{"user":"ana","password":"hunter2","client_secret":"s3","page":2}'),
    '{"user":"ana","password":"[REDACTED]","client_secret":"[REDACTED]","page":2}',
  );
});

test("sensitive query parameters are redacted in URLs, userinfo too", () => {
  assert.equal(
    redactUrl("https://ana:pw@api.test/x?api_key=abc123&page=2&access_token=t0k"),
    "https://[REDACTED]@api.test/x?api_key=[REDACTED]&page=2&access_token=[REDACTED]",
  );
});

test("Authorization keeps only its scheme; cookies keep only their names", () => {
  const out = redactHeaders({
    Authorization: "Bearer abc.def.ghi",
    Cookie: "sid=s3cr3t; theme=dark",
    "Set-Cookie": ["sid=abc; HttpOnly; Secure"],
    "X-Api-Key": "rk_123456",
    "Content-Type": "application/json",
  });
  assert.deepEqual(out, {
    authorization: "Bearer [REDACTED]",
    cookie: "sid=[REDACTED]; theme=[REDACTED]",
    "set-cookie": "sid=[REDACTED]; HttpOnly; Secure",
    "x-api-key": "[REDACTED]",
    "content-type": "application/json",
  });
});

test("Basic credentials, private keys, password hashes, cloud keys and card numbers are redacted", () => {
  const text = [
    "Authorization: Basic YWxpY2U6c2VjcmV0",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    "$2b$12$KIXQJ7b4Q5d1e1e1e1e1eOeYp9c3z8m1u2v3w4x5y6z7A8B9C0D1E",
    "AKIAIOSFODNN7EXAMPLE",
    "card 4111 1111 1111 1111",
  ].join("\n");
  const out = redact(text);
  assert.doesNotMatch(out, /YWxpY2U6c2VjcmV0|MIIEow|KIXQJ7b4|AKIAIOSFODNN7EXAMPLE|4111 1111/);
});

test("numbers that fail the Luhn check are not mistaken for cards", () => {
  assert.equal(redact("order 1234567890123"), "order 1234567890123");
  assert.equal(luhnValid("4111111111111111"), true);
  assert.equal(luhnValid("4111111111111112"), false);
});

test("maskSecret reveals only the first and last character and the length", () => {
  assert.equal(maskSecret("your-256-bit-secret"), "y*****************t (19 chars)");
  assert.equal(maskSecret("short"), "***** (5 chars)");
  assert.throws(() => redact(42 as unknown as string), { name: "TypeError" });
});

test("regression: a Basic challenge keeps its realm readable (WWW-Authenticate is not a credential)", () => {
  assert.deepEqual(redactHeaders({ "WWW-Authenticate": 'Basic realm="api", Bearer realm="api"' }), {
    "www-authenticate": 'Basic realm="api", Bearer realm="api"',
  });
  assert.equal(
    redact("Authorization: Basic YWxpY2U6c2VjcmV0=="),
    "Authorization: Basic [REDACTED]",
  );
});

test("regression: token=value in the middle of a body is redacted", () => {
  assert.equal(
    redact("invalid request: token=abc123def, retry"),
    "invalid request: token=[REDACTED], retry",
  );
  assert.equal(redact("a=1 b=2"), "a=1 b=2");
});

test("regression: prose after a scheme word is not mistaken for a credential", () => {
  assert.equal(
    redact("the token takes 10 minutes to expire"),
    "the token takes 10 minutes to expire",
  );
  assert.equal(redact("Bearer abcdefgh1234"), "Bearer [REDACTED]");
});

test("regression: prose about Basic authentication stays readable, all-letter bearer tokens do not", () => {
  assert.equal(
    redact("HTTP Basic authentication is offered; Bearer tokens are required"),
    "HTTP Basic authentication is offered; Bearer tokens are required",
  );
  assert.equal(redact("boom with Bearer abcdefghijk"), "boom with Bearer [REDACTED]");
  assert.equal(
    redact("Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"),
    "Authorization: Token [REDACTED]",
  );
});
