// Passive analysers, driven the way the engine drives them: exchanges go through the collector
// (placed on the target's operations), then the check's `run` reads what its slot kept.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Finding } from "../../src/core/finding.js";
import { rateLimitHeadersCheck } from "../../src/scan/checks/abuse/rate-limit.js";
import { listingSeenCheck } from "../../src/scan/checks/access/directory-listing.js";
import { cacheControlCheck } from "../../src/scan/checks/beyond/cache-control.js";
import { cookieFlagsCheck } from "../../src/scan/checks/beyond/cookies.js";
import { isWhole } from "../../src/scan/checks/outcome.js";
import { contentTypeCheck } from "../../src/scan/checks/output/content-type.js";
import { fingerprintCheck } from "../../src/scan/checks/output/fingerprint.js";
import { secretsCheck, secretsIn } from "../../src/scan/checks/output/secrets.js";
import {
  cspCheck,
  frameOptionsCheck,
  nosniffCheck,
} from "../../src/scan/checks/output/security-headers.js";
import { errorStatusCheck } from "../../src/scan/checks/output/status-codes.js";
import { stackTraceCheck } from "../../src/scan/checks/processing/debug.js";
import { buildFinding } from "../../src/scan/evidence.js";
import { createPassiveCollector } from "../../src/scan/passive.js";
import type {
  CheckContext,
  CheckResult,
  Exchange,
  Observation,
  ScanCheck,
  ScanHttp,
  ScanOperation,
  ScanTarget,
  Surface,
} from "../../src/scan/types.js";
import { DEFAULT_VOCABULARY } from "../../src/vocabulary/vocabulary.js";

const catalog = loadCatalog();
const BASE = "http://127.0.0.1:8080";
const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** An answered exchange: a GET answered 200 with an empty JSON object unless told otherwise. */
function exchange(path: string, over: Partial<Exchange> = {}): Exchange {
  return {
    method: "GET",
    url: new URL(path, BASE).href,
    requestHeaders: {},
    status: 200,
    headers: JSON_TYPE,
    setCookies: [],
    body: "{}",
    truncated: false,
    ...over,
  };
}

/** A documented operation, its example URL on `server` (default: the target's root). */
function operation(
  method: string,
  path: string,
  over: Partial<ScanOperation> = {},
  server = BASE,
): ScanOperation {
  return {
    method,
    path,
    url: `${server}${path.replace(/\{[^}]*\}/g, "1")}`,
    bodyTypes: method === "GET" ? [] : ["application/json"],
    secured: false,
    queryParameters: [],
    parameters: [],
    server,
    ...over,
  };
}

const USERS_API: readonly ScanOperation[] = [
  operation("GET", "/api/users"),
  operation("GET", "/api/users/{id}"),
  operation("POST", "/api/users"),
];

function target(operations: readonly ScanOperation[], over: Partial<ScanTarget> = {}): ScanTarget {
  return {
    base: new URL(BASE),
    operations,
    observed: [],
    authenticated: false,
    urls: [],
    ...over,
  };
}

/** Passive checks send nothing: any request is a test failure. */
const NO_HTTP: ScanHttp = {
  send: () => Promise.reject(new Error("a passive check sent a request")),
  trySend: () => Promise.reject(new Error("a passive check sent a request")),
  reserve: () => Promise.reject(new Error("a passive check reserved the budget")),
  inScope: () => true,
  requests: 0,
};

/** An exchange, or an exchange with the check that sent it (default: discovery, `scan`). */
type Sent = Exchange | readonly [Exchange, string];

/** Feeds the exchanges through a collector of `check` and runs the check as the engine does. */
async function runPassive(
  check: ScanCheck,
  sent: readonly Sent[],
  scanTarget: ScanTarget = target(USERS_API),
): Promise<CheckResult> {
  const collector = createPassiveCollector([check]);
  collector.start(scanTarget);
  for (const s of sent) {
    if (Array.isArray(s)) collector.observe(s[0] as Exchange, s[1] as string);
    else collector.observe(s as Exchange, "scan");
  }
  const passive = collector.view(check.id);
  const context: CheckContext = {
    target: scanTarget,
    http: NO_HTTP,
    catalog,
    profile: "safe",
    signal: new AbortController().signal,
    vocabulary: DEFAULT_VOCABULARY,
    randomPath: (prefix = "/") => `${prefix}rampart-test`,
    finding: (input) => buildFinding(check, catalog, scanTarget.base, input),
    shared: (_key, probe) => probe(),
    ...(passive ? { passive } : {}),
  };
  return check.run(context);
}

function surfaceOf(result: CheckResult): Surface {
  assert.equal(result.outcome.status, "ran", JSON.stringify(result.outcome));
  return (result.outcome as { surface: Surface }).surface;
}

function titles(result: CheckResult): string[] {
  return result.findings.map((f) => f.title);
}

/** The finding, serialised, holds none of the secrets, nor any 8-character piece of one. */
function assertRedacted(finding: Finding | undefined, ...secrets: string[]): void {
  assert.ok(finding, "expected a finding");
  const text = JSON.stringify(finding);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `secret leaked in ${text}`);
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      assert.ok(!text.includes(piece), `piece "${piece}" of a secret in ${text}`);
    }
  }
}

function urlOf(finding: Finding | undefined): string | undefined {
  return finding?.location.kind === "http" ? finding.location.url : undefined;
}

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

const BCRYPT = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
const ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
const DJANGO = "pbkdf2_sha256$600000$Xy7aQ2mNp1bCzT$Q1w2E3r4T5y6U7i8O9p0AaSsDdFfGgHhJjKkLl9mNb0=";
const MD5 = "5f4dcc3b5aa765d61d8327deb882cf99";
const AWS_KEY_ID = "AKIAZ7QXPL3MN4RT6WVY";
const PEM = [
  "-----BEGIN RSA PRIVATE KEY-----",
  "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0",
  "-----END RSA PRIVATE KEY-----",
].join("\n");

describe("OUT-06 secrets, passively", () => {
  test("a bcrypt hash beside a password key is reported, its value not shown", async () => {
    const body = JSON.stringify({ id: 1, username: "ana", password_hash: BCRYPT });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["Password hash in a response"]);
    const [finding] = result.findings;
    assert.deepEqual(finding?.items, ["OUT-06"]);
    assert.equal(finding?.severity, "high");
    assert.match(finding?.detail ?? "", /GET \/api\/users\/1 answered 200 with a password hash/);
    assertRedacted(finding, BCRYPT);
  });

  test("an argon2 hash is reported wherever it sits, nested under any key", async () => {
    const body = JSON.stringify({ id: 1, profile: { meta: { h: ARGON2 } } });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["Password hash in a response"]);
    assertRedacted(result.findings[0], ARGON2);
  });

  test("a Django PBKDF2 hash is reported, and never shown whatever key holds it", async () => {
    for (const key of ["password", "hashed", "credential"]) {
      const body = JSON.stringify({ id: 1, username: "ana", [key]: DJANGO });
      const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
      assert.deepEqual(titles(result), ["Password hash in a response"], key);
      assertRedacted(result.findings[0], DJANGO);
    }
  });

  test("a plaintext password is reported by its key, its value not shown", async () => {
    const body = JSON.stringify({ id: 1, username: "ana", password: "hunter2-correct-horse" });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["Password returned (password)"]);
    assert.match(result.findings[0]?.detail ?? "", /a password in "\/password"/);
    assertRedacted(result.findings[0], "hunter2-correct-horse");
  });

  test("an MD5 digest beside a password key is reported as an unsalted digest", async () => {
    for (const key of ["password", "password_hash", "pass_hash"]) {
      const body = JSON.stringify({ id: 1, username: "ana", [key]: MD5 });
      const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
      assert.deepEqual(titles(result), [`Password returned (${key})`], key);
      assert.match(result.findings[0]?.detail ?? "", /an unsalted password digest/);
      assertRedacted(result.findings[0], MD5);
    }
  });

  test("an MD5-looking value under an ordinary key is not a password", async () => {
    const body = JSON.stringify({ id: 1, etag: MD5, avatar: `${MD5}.png` });
    assert.deepEqual(secretsIn(exchange("/api/users/1", { body })), []);
  });

  test("a page whose form carries the OAuth client secret in a hidden field: found, value masked", async () => {
    const secret = "mWM7pgvjtUSAtfaK8RXLjzOaLmurBxIWxMdQ";
    const body = `<form method="post" action="/oauth/token/"><input type="hidden" name="client_id" value="ALGGN0Um"><input type='hidden' name='client_secret' value='${secret}'><input type="hidden" name="csrfmiddlewaretoken" value="Zx81kq0aPq"></form>`;
    const result = await runPassive(secretsCheck, [
      exchange("/handle-user-token/", { body, headers: { "content-type": "text/html" } }),
    ]);
    assert.deepEqual(titles(result), ["Secret returned (client_secret)"]);
    assertRedacted(result.findings[0], secret);
  });

  test("a page's publishable API key, CSRF token and empty password field are not secrets", () => {
    const body =
      '<form><input name="api_key" value="pk_live_51Hh2kQ"><input name="csrf_token" value="Zx81kq0aPq"><input type="password" name="password" value=""></form>';
    assert.deepEqual(
      secretsIn(exchange("/checkout", { body, headers: { "content-type": "text/html" } })),
      [],
    );
  });

  test("masked, empty and null passwords are not secrets", () => {
    for (const value of ["***", "********", "[REDACTED]", "<hidden>", "", null]) {
      const body = JSON.stringify({ id: 1, username: "ana", password: value });
      assert.deepEqual(secretsIn(exchange("/api/users/1", { body })), [], String(value));
    }
  });

  test("a PEM private key is reported, its body not shown", async () => {
    const body = JSON.stringify({ name: "signing", pem: PEM });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["Private key in a response"]);
    assertRedacted(
      result.findings[0],
      "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0",
    );
  });

  test("an AWS access key id is reported, its value not shown", async () => {
    const body = JSON.stringify({ bucket: "exports", key_id: AWS_KEY_ID });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["AWS access key id in a response"]);
    assertRedacted(result.findings[0], AWS_KEY_ID);
  });

  test("provider keys the redactor does not know are not shown either", async () => {
    const github = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const google = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6q";
    const body = JSON.stringify({ ci: { note: github }, maps: { browser: google } });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result).sort(), [
      "GitHub token in a response",
      "Google API key in a response",
    ]);
    for (const finding of result.findings) assertRedacted(finding, github, google);
  });

  test("a secret deep in a long answer is shown masked, in context", async () => {
    const password = "correct-horse-battery-staple-42";
    // The value straddles character 400, where an excerpt taken from the start is cut.
    const head = '{"id":1,"note":"';
    const middle = '","password":"';
    const filler = "lorem ipsum ".repeat(40).slice(0, 390 - head.length - middle.length);
    const body = `${head}${filler}${middle}${password}"}`;
    assert.equal(body.indexOf(password), 390);
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["Password returned (password)"]);
    assertRedacted(result.findings[0], password);
    assert.match(result.findings[0]?.evidence.body ?? "", /"password"/);
  });

  test("example credentials in the served API description are not a leak", () => {
    const document = {
      openapi: "3.0.3",
      info: { title: "Users", version: "1" },
      paths: {
        "/login": {
          post: {
            requestBody: {
              content: {
                "application/json": {
                  example: { username: "ana", password: "s3cret-example-pass" },
                },
              },
            },
            responses: {
              "200": {
                description: "ok",
                content: {
                  "application/json": {
                    example: {
                      users: [{ token: "example-token-0123456789" }],
                      client_secret: "example-client-secret",
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    const served = exchange("/openapi.json", { body: JSON.stringify(document) });
    assert.deepEqual(secretsIn(served), []);
  });

  test("a client_secret read back by a GET is reported", async () => {
    const secret = "cs_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    const body = JSON.stringify({ client_id: "app-1", client_secret: secret });
    const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
    assert.deepEqual(titles(result), ["Secret returned (client_secret)"]);
    assertRedacted(result.findings[0], secret);
  });

  test("server secrets under keys the redactor does not know are not shown", async () => {
    for (const key of ["secret_key", "api_secret", "signing_key", "aws_secret_access_key"]) {
      const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYzq9Xk2Lm";
      const body = JSON.stringify({ id: 1, [key]: secret });
      const result = await runPassive(secretsCheck, [exchange("/api/users/1", { body })]);
      assert.deepEqual(titles(result), [`Secret returned (${key})`], key);
      assertRedacted(result.findings[0], secret);
    }
  });

  test("a client_secret in the answer that creates the client is not reported", () => {
    const body = JSON.stringify({
      client_id: "app-1",
      client_secret: "cs_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    });
    const created = exchange("/api/users", { method: "POST", status: 201, body });
    assert.deepEqual(secretsIn(created), []);
  });

  test("a list of users each with a token is reported as other users' tokens", async () => {
    const tokens = ["tok_a1b2c3d4e5f6a7b8c9d0", "tok_f0e9d8c7b6a5f4e3d2c1"];
    const body = JSON.stringify({
      users: [
        { id: 1, username: "ana", token: tokens[0] },
        { id: 2, username: "bo", token: tokens[1] },
      ],
    });
    const result = await runPassive(secretsCheck, [exchange("/api/users", { body })]);
    assert.deepEqual(titles(result), ["Other users' tokens in a response"]);
    assert.match(result.findings[0]?.detail ?? "", /2 token\(s\) that are not the caller's/);
    assertRedacted(result.findings[0], ...tokens);
  });

  test("another user's JWT read back by a GET is reported", () => {
    const mine = jwt({ id: 1, username: "ana", iat: 1_700_000_000, exp: 1_700_086_400 });
    const theirs = jwt({ id: 2, username: "bo", iat: 1_700_000_100, exp: 1_700_086_500 });
    const body = JSON.stringify({ user: { id: 2, username: "bo", token: theirs } });
    const read = exchange("/api/users/2", {
      requestHeaders: { authorization: `Token ${mine}` },
      body,
    });
    assert.deepEqual(
      secretsIn(read).map((p) => p.subject),
      ["tokens"],
    );
  });

  test("the caller's own JWT echoed back with a new iat and exp is not reported", () => {
    // RealWorld's GET /api/user answers with a freshly signed token of the same user.
    const sent = jwt({ id: 1, username: "ana", iat: 1_700_000_000, exp: 1_700_086_400 });
    const fresh = jwt({ id: 1, username: "ana", iat: 1_700_003_600, exp: 1_700_090_000 });
    const body = JSON.stringify({
      user: { email: "ana@example.test", username: "ana", token: fresh },
    });
    const me = exchange("/api/user", { requestHeaders: { authorization: `Token ${sent}` }, body });
    assert.deepEqual(secretsIn(me), []);
    const same = exchange("/api/user", {
      requestHeaders: { authorization: `Bearer ${sent}` },
      body: JSON.stringify({ user: { username: "ana", token: sent } }),
    });
    assert.deepEqual(secretsIn(same), []);
  });

  test("a login answer with the caller's new token is not reported", () => {
    const issued = jwt({ id: 1, username: "ana", iat: 1_700_000_000, exp: 1_700_086_400 });
    const realworld = exchange("/api/users/login", {
      method: "POST",
      body: JSON.stringify({ user: { username: "ana", token: issued } }),
    });
    assert.deepEqual(secretsIn(realworld), []);
    const oauth = exchange("/oauth/token", {
      method: "POST",
      body: JSON.stringify({
        access_token: "opaque-3f9a8b7c6d5e4f3a2b1c",
        refresh_token: "opaque-9c8b7a6f5e4d3c2b1a0f",
        token_type: "Bearer",
      }),
    });
    assert.deepEqual(secretsIn(oauth), []);
  });

  test("an answer without credentials is silent, and the surface is the documented GETs", async () => {
    const body = JSON.stringify([{ id: 1, username: "ana", email: "ana@example.test" }]);
    const result = await runPassive(secretsCheck, [
      exchange("/api/users", { body }),
      exchange("/api/users/1", { body: JSON.stringify({ id: 1, username: "ana" }) }),
      exchange("/api/users", { method: "POST", status: 201, body: '{"id":2}' }),
    ]);
    assert.deepEqual(result.findings, []);
    const surface = surfaceOf(result);
    assert.deepEqual([surface.probed, surface.of, surface.unit], [2, 2, "operations"]);
    assert.ok(isWhole(surface));
  });

  test("errors and empty answers are not read for secrets", async () => {
    const body = JSON.stringify({ password: "hunter2-correct-horse" });
    const result = await runPassive(secretsCheck, [
      exchange("/api/users/1", { status: 400, body }),
      exchange("/api/users", { status: 204, body: "" }),
    ]);
    assert.equal(result.outcome.status, "not_tested");
  });
});

const NODE_TRACE = JSON.stringify({
  error: "boom",
  stack:
    "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/srv/app/src/users.js:42:17)\n    at Layer.handle (/srv/app/node_modules/express/lib/router/layer.js:95:5)",
});
const JAVA_TRACE =
  "java.lang.NullPointerException\n\tat com.example.api.UserController.show(UserController.java:57)\n\tat java.base/java.lang.Thread.run(Thread.java:833)";

describe("PROC-08 stack traces, passively", () => {
  test("a trace in a 200 JSON body and one in a 500 give one finding per documented operation", async () => {
    const result = await runPassive(stackTraceCheck, [
      exchange("/api/users", { body: NODE_TRACE }),
      exchange("/api/users/1", {
        status: 500,
        headers: { "content-type": "text/plain" },
        body: JAVA_TRACE,
      }),
      exchange("/api/users/2", {
        status: 500,
        headers: { "content-type": "text/plain" },
        body: JAVA_TRACE,
      }),
    ]);
    assert.deepEqual(titles(result).sort(), [
      "Java stack trace in a response",
      "Node.js stack trace in a response",
    ]);
    const java = result.findings.find((f) => f.title.startsWith("Java"));
    assert.equal(java?.evidence.status, 500);
    assert.match(java?.evidence.body ?? "", /UserController\.java:57/);
    assert.match(java?.detail ?? "", /answered 500/);
    const node = result.findings.find((f) => f.title.startsWith("Node"));
    assert.equal(urlOf(node), `${BASE}/api/users`);
    assert.deepEqual(node?.items, ["PROC-08"]);
    // A hint: it finds PROC-08 failing, never proves it holds.
    assert.deepEqual(stackTraceCheck.proves, []);
  });

  test("JavaScript and CSS files are not read", async () => {
    const code = "function f(){}\n    at render (/srv/app/src/view.js:10:3)\n";
    const result = await runPassive(stackTraceCheck, [
      exchange("/static/app.js", {
        headers: { "content-type": "application/javascript" },
        body: code,
      }),
      exchange("/static/app.css", { headers: { "content-type": "text/css" }, body: code }),
    ]);
    assert.equal(result.outcome.status, "not_tested");
    assert.deepEqual(result.findings, []);
  });

  test("traces on paths outside the description share one finding naming them", async () => {
    const result = await runPassive(stackTraceCheck, [
      exchange("/nope/1", { status: 404, body: NODE_TRACE }),
      exchange("/nope/2", { status: 404, body: NODE_TRACE }),
      exchange("/legacy/export", { status: 500, body: NODE_TRACE }),
    ]);
    assert.equal(result.findings.length, 1);
    const [finding] = result.findings;
    assert.equal(urlOf(finding), `${BASE}/`);
    assert.match(
      finding?.detail ?? "",
      /Seen on 2 operations: GET \/nope\/\{id\}, GET \/legacy\/export/,
    );
  });

  test("answers without traces are silent", async () => {
    const result = await runPassive(stackTraceCheck, [
      exchange("/api/users", { body: '[{"id":1,"note":"at home (not /srv/x.js:1:2)"}]' }),
      exchange("/api/users/1", { status: 500, body: '{"error":"internal error"}' }),
    ]);
    assert.deepEqual(result.findings, []);
    assert.equal(result.outcome.status, "ran");
  });
});

describe("OUT-07 error status, passively", () => {
  test("an error answered 200 is reported", async () => {
    const result = await runPassive(errorStatusCheck, [
      exchange("/api/users/1", { body: '{"status":"fail","message":"no such user"}' }),
    ]);
    assert.deepEqual(titles(result), ["Error answered with 200"]);
    assert.equal(result.findings[0]?.severity, "medium");
    assert.equal(result.findings[0]?.evidence.status, 200);
  });

  test("a 500 provoked by a check's probe is reported, naming the check", async () => {
    const crash = exchange("/api/users", {
      method: "POST",
      status: 500,
      body: '{"error":"internal"}',
    });
    const result = await runPassive(errorStatusCheck, [[crash, "inj-01-sql"]]);
    assert.deepEqual(titles(result), ["Client input answered with 500"]);
    assert.equal(result.findings[0]?.severity, "low");
    assert.match(result.findings[0]?.detail ?? "", /a probe of inj-01-sql/);
  });

  test("a 500 met during discovery, successes and honest errors are not reported", async () => {
    const result = await runPassive(errorStatusCheck, [
      [exchange("/api/users", { status: 500, body: '{"error":"internal"}' }), "scan"],
      [exchange("/api/users/1", { body: '{"id":1,"status":"failed-payment"}' }), "bola"],
      [exchange("/api/users/2", { status: 404, body: '{"error":"not found"}' }), "bola"],
      [exchange("/api/users", { method: "POST", status: 400, body: '{"error":"bad"}' }), "in-01"],
    ]);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(errorStatusCheck.proves, []);
  });
});

describe("passive surface", () => {
  const THREE_GETS = [
    operation("GET", "/api/a"),
    operation("GET", "/api/b/{id}"),
    operation("GET", "/api/c"),
    operation("POST", "/api/a"),
  ];

  test("two of three documented GETs answered: probed 2 of 3, the third named in a gap", async () => {
    const secure = { "x-content-type-options": "nosniff", ...JSON_TYPE };
    const result = await runPassive(
      nosniffCheck,
      [
        exchange("/api/a", { headers: secure }),
        exchange("/api/b/7", { headers: secure }),
        exchange("/api/b/8", { headers: secure }),
      ],
      target(THREE_GETS),
    );
    assert.deepEqual(result.findings, []);
    const surface = surfaceOf(result);
    assert.deepEqual([surface.probed, surface.of, surface.unit], [2, 3, "operations"]);
    assert.deepEqual(surface.gaps, ["no response judged for GET /api/c"]);
    assert.equal(isWhole(surface), false);
  });

  test("without an API description the surface says so in a gap", async () => {
    const result = await runPassive(
      nosniffCheck,
      [exchange("/users"), exchange("/users/5"), exchange("/users/6")],
      target([]),
    );
    const surface = surfaceOf(result);
    assert.deepEqual([surface.probed, surface.of], [2, 2]);
    assert.equal(surface.gaps?.length, 1);
    assert.match(
      surface.gaps?.[0] ?? "",
      /^no API description: judged on the 2 operation\(s\) seen/,
    );
    assert.equal(isWhole(surface), false);
  });

  test("exchanges observed before discovery ends are replayed when it does", async () => {
    const collector = createPassiveCollector([stackTraceCheck, nosniffCheck]);
    collector.observe(exchange("/api/users", { body: NODE_TRACE }), "scan");
    assert.equal(collector.view(stackTraceCheck.id)?.responses, 0);
    collector.start(target(USERS_API));
    const record = collector.view(stackTraceCheck.id);
    assert.equal(record?.responses, 1);
    assert.deepEqual([...(record?.examinedDocumented ?? [])], ["GET /api/users"]);
    assert.equal(record?.hits.length, 1);
    assert.equal(collector.view("no-such-check"), undefined);
  });

  test("an exchange on a documented operation under a server base path is placed on it", async () => {
    // servers: [{ url: "/api" }], paths: { "/users/{id}": ... }: the scan asks /api/users/1.
    const api = [operation("GET", "/users/{id}", {}, `${BASE}/api`)];
    const result = await runPassive(nosniffCheck, [exchange("/api/users/1")], target(api));
    const surface = surfaceOf(result);
    assert.deepEqual([surface.probed, surface.of, surface.gaps], [1, 1, undefined]);
  });
});

describe("ACC-01 RateLimit headers, passively", () => {
  const LIMITED = {
    ...JSON_TYPE,
    "ratelimit-policy": "100;w=60",
    ratelimit: "limit=100, remaining=99, reset=60",
  };

  test("every API answer announcing a limit settles ACC-01 on a whole surface", async () => {
    const result = await runPassive(rateLimitHeadersCheck, [
      exchange("/api/users", { headers: LIMITED }),
      exchange("/api/users/1", { headers: { ...JSON_TYPE, "x-ratelimit-remaining": "41" } }),
      exchange("/api/users", { method: "POST", status: 201, headers: LIMITED }),
      // Exempt by design: health probes and the description.
      exchange("/health", { body: '{"status":"ok"}' }),
      exchange("/openapi.json", { body: '{"openapi":"3.0.3"}' }),
    ]);
    assert.deepEqual(result.findings, []);
    const surface = surfaceOf(result);
    assert.equal(surface.settles, true);
    assert.deepEqual([surface.probed, surface.of], [3, 3]);
    assert.ok(isWhole(surface));
  });

  test("some answers without the headers leave a gap for the burst to decide", async () => {
    const result = await runPassive(rateLimitHeadersCheck, [
      exchange("/api/users", { headers: LIMITED }),
      exchange("/api/users/1"),
    ]);
    const surface = surfaceOf(result);
    assert.deepEqual([surface.probed, surface.of], [1, 2]);
    assert.deepEqual(surface.gaps, [
      "1 operations answered without RateLimit headers (the burst decides)",
    ]);
    assert.equal(isWhole(surface), false);
  });

  test("no answer announcing a limit is not tested, never a finding", async () => {
    const result = await runPassive(rateLimitHeadersCheck, [
      exchange("/api/users"),
      exchange("/api/users/1"),
    ]);
    assert.equal(result.outcome.status, "not_tested");
    assert.match((result.outcome as { reason: string }).reason, /no RateLimit header/);
    assert.deepEqual(result.findings, []);
    const none = await runPassive(rateLimitHeadersCheck, []);
    assert.equal(none.outcome.status, "not_tested");
  });
});

describe("ACC-04 directory listing, passively", () => {
  const LISTING =
    '<html><head><title>Index of /uploads/</title></head><body><h1>Index of /uploads/</h1><a href="../">../</a><a href="db.sql">db.sql</a></body></html>';
  const HTML = { "content-type": "text/html" };

  test("a listing met anywhere is reported", async () => {
    const result = await runPassive(listingSeenCheck, [
      exchange("/uploads/", { headers: HTML, body: LISTING }),
    ]);
    assert.deepEqual(titles(result), ["Directory listing enabled"]);
  });

  test("ordinary pages are silent, and a catch-all listing proves nothing", async () => {
    const page = '<html><head><title>Docs</title></head><body><a href="/a">a</a></body></html>';
    const quiet = await runPassive(listingSeenCheck, [
      exchange("/docs", { headers: HTML, body: page }),
    ]);
    assert.deepEqual(quiet.findings, []);
    const baseline = exchange("/rampart-x/", { headers: HTML, body: LISTING });
    const catchAll = await runPassive(
      listingSeenCheck,
      [exchange("/uploads/", { headers: HTML, body: LISTING })],
      target(USERS_API, { baseline }),
    );
    assert.equal(catchAll.outcome.status, "not_tested");
    assert.deepEqual(catchAll.findings, []);
  });
});

describe("EXT-02 cookie flags, passively", () => {
  test("a session cookie without HttpOnly and SameSite is reported, its value not shown", async () => {
    const result = await runPassive(cookieFlagsCheck, [
      exchange("/api/users/login", {
        method: "POST",
        setCookies: ["sessionid=s3cr3t-session-value-123; Path=/"],
      }),
    ]);
    assert.deepEqual(titles(result), ['Session cookie "sessionid" without HttpOnly, SameSite']);
    assertRedacted(result.findings[0], "s3cr3t-session-value-123");
    // Any operation may set a cookie: the documented reads that never answered are a gap.
    const surface = surfaceOf(result);
    assert.deepEqual([surface.probed, surface.of, surface.unit], [0, 2, "operations"]);
    assert.match(surface.gaps?.join() ?? "", /GET \/api\/users\/\{id\}/);
  });

  test("flagged, cleared and non-session cookies are silent", async () => {
    const result = await runPassive(cookieFlagsCheck, [
      exchange("/api/users/login", {
        method: "POST",
        setCookies: [
          "sessionid=abc; Path=/; HttpOnly; SameSite=Lax",
          "token=; Max-Age=0",
          "theme=dark",
          "csrftoken=xyz; SameSite=Strict",
        ],
      }),
      // Every documented read answered (setting no cookie): the surface is whole.
      exchange("/api/users"),
      exchange("/api/users/7", { status: 404 }),
    ]);
    assert.deepEqual(result.findings, []);
    assert.ok(isWhole(surfaceOf(result)), JSON.stringify(surfaceOf(result)));
  });

  test("logged in and never given a session cookie: not applicable", async () => {
    const login: Observation = {
      source: "login",
      exchange: exchange("/api/users/login", { method: "POST" }),
      authenticated: false,
    };
    const result = await runPassive(
      cookieFlagsCheck,
      [exchange("/api/users")],
      target(USERS_API, { observed: [login] }),
    );
    assert.equal(result.outcome.status, "not_applicable");
  });
});

describe("EXT-03 Cache-Control, passively", () => {
  const SECURED = [
    operation("GET", "/api/users", { secured: true }),
    operation("GET", "/api/users/{id}", { secured: true }),
    operation("GET", "/api/status"),
  ];
  const AUTH = { authorization: "Bearer opaque-token-value-1234" };

  test("authenticated answers without no-store give one finding for the API", async () => {
    const result = await runPassive(
      cacheControlCheck,
      [
        exchange("/api/users", { requestHeaders: AUTH, body: "[]" }),
        exchange("/api/users/1", { requestHeaders: AUTH, body: '{"id":1}' }),
        // Public: not judged.
        exchange("/api/status", { requestHeaders: AUTH, body: '{"ok":true}' }),
      ],
      target(SECURED, { authenticated: true }),
    );
    assert.deepEqual(titles(result), ["Authenticated response cacheable"]);
    assert.match(result.findings[0]?.detail ?? "", /Seen on 2 operations/);
    assertRedacted(result.findings[0], "opaque-token-value-1234");
    assert.ok(isWhole(surfaceOf(result)));
  });

  test("no-store on every authenticated answer is silent", async () => {
    const headers = { ...JSON_TYPE, "cache-control": "no-store, private" };
    const result = await runPassive(
      cacheControlCheck,
      [
        exchange("/api/users", { requestHeaders: AUTH, headers, body: "[]" }),
        exchange("/api/users/1", { requestHeaders: AUTH, headers, body: '{"id":1}' }),
        // Unauthenticated answers are not judged.
        exchange("/api/users/2", { body: '{"id":2}' }),
      ],
      target(SECURED, { authenticated: true }),
    );
    assert.deepEqual(result.findings, []);
    assert.ok(isWhole(surfaceOf(result)));
  });
});

describe("OUT-01..03 security headers, passively", () => {
  const HARDENED = {
    ...JSON_TYPE,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  };

  test("headers missing on API answers give one finding per check for the whole API", async () => {
    const answers = [exchange("/api/users"), exchange("/api/users/1"), exchange("/api/users/2")];
    const expected = new Map<ScanCheck, string>([
      [nosniffCheck, "X-Content-Type-Options: nosniff missing"],
      [frameOptionsCheck, "neither X-Frame-Options: DENY nor CSP frame-ancestors"],
      [cspCheck, "Content-Security-Policy missing"],
    ]);
    for (const [check, title] of expected) {
      const result = await runPassive(check, answers);
      assert.deepEqual(titles(result), [title], check.id);
      assert.match(result.findings[0]?.detail ?? "", /Seen on 2 operations/);
    }
  });

  test("hardened answers are silent; a static 404 page is not judged", async () => {
    const answers = [
      exchange("/api/users", { headers: HARDENED }),
      exchange("/api/users/1", { headers: HARDENED }),
      exchange("/missing.html", {
        status: 404,
        headers: { "content-type": "text/html" },
        body: "<h1>404</h1>",
      }),
    ];
    for (const check of [nosniffCheck, frameOptionsCheck, cspCheck]) {
      const result = await runPassive(check, answers);
      assert.deepEqual(result.findings, [], check.id);
      assert.ok(isWhole(surfaceOf(result)), check.id);
    }
  });

  test("regression: a CORS preflight's bare 200 is not a page to frame (rw-django failed OUT-02 on it)", async () => {
    const answers = [
      exchange("/api/users", { headers: HARDENED }),
      exchange("/api/user", {
        method: "OPTIONS",
        requestHeaders: { origin: "https://x.example", "access-control-request-method": "PUT" },
        headers: { "content-type": "text/html; charset=utf-8", "access-control-allow-origin": "*" },
        body: "",
      }),
    ];
    for (const check of [nosniffCheck, frameOptionsCheck, cspCheck])
      assert.deepEqual((await runPassive(check, answers)).findings, [], check.id);
  });

  test("a CSP without default-src 'none' is reported", async () => {
    const headers = { ...HARDENED, "content-security-policy": "default-src 'self'" };
    const result = await runPassive(cspCheck, [exchange("/api/users", { headers })]);
    assert.deepEqual(titles(result), ["Content-Security-Policy without default-src 'none'"]);
  });
});

describe("OUT-04 fingerprint and OUT-05 content type, passively", () => {
  test("a versioned Server header or any X-Powered-By is reported", async () => {
    const result = await runPassive(fingerprintCheck, [
      exchange("/api/users", {
        headers: { ...JSON_TYPE, server: "nginx/1.25.3", "x-powered-by": "Express" },
      }),
      exchange("/nope", {
        status: 404,
        headers: { server: "nginx/1.25.3", "x-powered-by": "Express" },
      }),
    ]);
    // One finding for the API's answers, one for the paths outside the description.
    assert.deepEqual(titles(result), [
      "Fingerprinting headers reveal the stack",
      "Fingerprinting headers reveal the stack",
    ]);
    assert.equal(new Set(result.findings.map((f) => f.id)).size, 2);
    assert.match(
      result.findings[0]?.detail ?? "",
      /server: nginx\/1\.25\.3; x-powered-by: Express/,
    );
  });

  test("a bare Server name is silent", async () => {
    const result = await runPassive(fingerprintCheck, [
      exchange("/api/users", { headers: { ...JSON_TYPE, server: "nginx" } }),
    ]);
    assert.deepEqual(result.findings, []);
  });

  test("JSON served as text/html is reported; JSON types and non-JSON bodies are silent", async () => {
    const result = await runPassive(contentTypeCheck, [
      exchange("/api/users", { headers: { "content-type": "text/html" }, body: '[{"id":1}]' }),
      exchange("/api/users/1", {
        headers: { "content-type": "application/problem+json" },
        body: '{"title":"x"}',
      }),
      exchange("/docs", { headers: { "content-type": "text/html" }, body: "<html></html>" }),
    ]);
    assert.deepEqual(titles(result), ["JSON body declared as text/html"]);
    const quiet = await runPassive(contentTypeCheck, [exchange("/api/users", { body: "[]" })]);
    assert.deepEqual(quiet.findings, []);
  });
});
