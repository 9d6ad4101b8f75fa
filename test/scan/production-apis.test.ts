import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { describe, test } from "node:test";
import type { RampartError } from "../../src/core/errors.js";
import type { Report } from "../../src/core/report.js";
import { logInPatiently } from "../../src/scan/auth/patience.js";
import { createBudget } from "../../src/scan/budget.js";
import { lockoutCheck } from "../../src/scan/checks/abuse/lockout.js";
import { guessableIdsCheck } from "../../src/scan/checks/access-control/guessable-ids.js";
import { integerIdsCheck } from "../../src/scan/checks/access-control/integer-ids.js";
import { missingAuthCheck } from "../../src/scan/checks/access-control/missing-auth.js";
import { basicAuthCheck } from "../../src/scan/checks/auth/basic-auth.js";
import { cacheControlCheck } from "../../src/scan/checks/beyond/cache-control.js";
import { securityTxtCheck } from "../../src/scan/checks/beyond/security-txt.js";
import {
  credentialsInUrlCheck,
  isQueryCredential,
} from "../../src/scan/checks/input/credentials-in-url.js";
import { notAcceptableCheck } from "../../src/scan/checks/input/not-acceptable.js";
import { unsupportedMediaTypeCheck } from "../../src/scan/checks/input/unsupported-media-type.js";
import { frameOptionsCheck } from "../../src/scan/checks/output/security-headers.js";
import { errorStatusCheck } from "../../src/scan/checks/output/status-codes.js";
import { plainHttpCheck } from "../../src/scan/checks/transport/plain-http.js";
import { runScan } from "../../src/scan/engine.js";
import { createHttpLayer } from "../../src/scan/http.js";
import type { ScanOptions } from "../../src/scan/options.js";
import { retryAfterMs } from "../../src/scan/throttle.js";
import type { ScanCheck } from "../../src/scan/types.js";
import { catalog, findingsOf, listenLoopback, verdictOf, withServer } from "./scan-helpers.js";

// Shapes met on ordinary production APIs (a headless CMS, a data platform) that made the scan
// stop, report what was not there, or give up on what it had seen. Each test is named after it.

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** A loopback API serving `document` at /openapi.json and answering the rest with `handle`. */
function api(document: unknown, handle: Handler, seen: string[] = []) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === "/openapi.json") return json(res, 200, document);
      handle(req, Buffer.concat(chunks).toString(), res);
    });
  });
  return listenLoopback(server);
}

function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { openapi: "3.0.3", info: { title: "t", version: "1" }, paths, ...extra };
}

const OK = { "200": { description: "ok" } };
const BEARER = { components: { securitySchemes: { b: { type: "http", scheme: "bearer" } } } };

function scan(url: string, checks: readonly ScanCheck[], options: Partial<ScanOptions> = {}) {
  return runScan({ target: url, openapi: `${url}/openapi.json`, ...options }, { catalog, checks });
}

function notesOf(report: Report): string {
  return (report.notes ?? []).join("\n");
}

describe("tolerant document loading", () => {
  test("a document with a query string in a path does not stop the scan: the query part is sent as the query", async () => {
    const seen: string[] = [];
    const document = doc({
      "/upload?id={id}": {
        get: {
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: OK,
        },
      },
    });
    await withServer(
      api(document, (_q, _b, res) => json(res, 200, { ok: true }), seen),
      async (server) => {
        const report = await scan(server.url, [notAcceptableCheck]);
        assert.ok(
          seen.some((r) => /^GET \/upload\?id=[^?]+$/.test(r)),
          seen.join(", "),
        );
        assert.match(
          notesOf(report),
          /1 path of the document hold a query string \(\/upload\?id=\{id\}\)/,
        );
      },
    );
  });

  test("a broken $ref skips that part, says where, and the scan goes on", async () => {
    const seen: string[] = [];
    const document = doc({
      "/items": {
        get: {
          responses: {
            "200": {
              description: "ok",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Gone" } } },
            },
          },
        },
      },
    });
    await withServer(
      api(document, (_q, _b, res) => json(res, 200, [{ name: "a" }]), seen),
      async (server) => {
        const report = await scan(server.url, [notAcceptableCheck]);
        assert.ok(seen.includes("GET /items"));
        assert.match(
          notesOf(report),
          /skipped .*openapi\.json:\d+:\d+: \/paths\/~1items\/get\/responses\/200\/content\/application~1json\/schema: \$ref "#\/components\/schemas\/Gone" points to nothing .*\(ERR_OPENAPI_INVALID\)/,
        );
      },
    );
  });
});

describe("server URLs", () => {
  const document = doc(
    { "/items": { get: { responses: OK } } },
    { servers: [{ url: "http://localhost:1337/api" }] },
  );
  const handler: Handler = (req, _b, res) =>
    req.url === "/api/items" ? json(res, 200, [{ name: "a" }]) : json(res, 404, {});

  test("a server URL on another host keeps its path prefix, and the report says so", async () => {
    const seen: string[] = [];
    await withServer(api(document, handler, seen), async (server) => {
      const report = await scan(server.url, [notAcceptableCheck]);
      assert.ok(seen.includes("GET /api/items"), seen.join(", "));
      assert.ok(!seen.includes("GET /items"));
      assert.match(
        notesOf(report),
        /operations under \/api \(from the document's server http:\/\/localhost:1337\/api\)/,
      );
    });
  });

  test("--base-path overrides the document's server path", async () => {
    const seen: string[] = [];
    await withServer(api(document, handler, seen), async (server) => {
      const report = await scan(server.url, [notAcceptableCheck], { basePath: "/v2" });
      assert.ok(seen.includes("GET /v2/items"), seen.join(", "));
      assert.match(notesOf(report), /operations under \/v2 \(given with --base-path\)/);
    });
  });

  test("a --base-path that is not a path is a usage error", async () => {
    await assert.rejects(
      scan("http://127.0.0.1:9", [notAcceptableCheck], { basePath: "api" }),
      (e: RampartError) =>
        e.code === "ERR_USAGE" && /--base-path must be a path starting with \//.test(e.message),
    );
  });
});

describe("throttled logins", () => {
  test("retryAfterMs reads seconds, HTTP dates and RateLimit-Reset", () => {
    assert.equal(retryAfterMs({ headers: { "retry-after": "3" } }), 3000);
    const now = Date.parse("2026-12-07T10:00:00Z");
    assert.equal(
      retryAfterMs({ headers: { "retry-after": "Mon, 07 Dec 2026 10:00:05 GMT" } }, now),
      5000,
    );
    assert.equal(retryAfterMs({ headers: { "ratelimit-reset": "7" } }), 7000);
    assert.equal(retryAfterMs({ headers: {} }), undefined);
  });

  test("a login that answers 429 with Retry-After is tried again after the wait", async () => {
    let logins = 0;
    const waits: number[] = [];
    await withServer(
      api({}, (_q, _b, res) =>
        ++logins === 1
          ? json(res, 429, { error: "too many" }, { "retry-after": "30" })
          : json(res, 200, { token: "tok-5c1e9a7d3b8f" }),
      ),
      async (server) => {
        const http = createHttpLayer({
          base: new URL(server.url),
          scope: [],
          budget: createBudget({ maxRequests: 20, concurrency: 2 }),
          timeoutMs: 5000,
          headers: {},
          signal: new AbortController().signal,
        });
        const { attempt, throttled } = await logInPatiently(
          (r) => http.trySend(r),
          { path: "/login", body: { username: "u", password: "p" } },
          { wait: async (ms) => void waits.push(ms) },
        );
        assert.equal(attempt.ok, true);
        assert.equal(throttled, undefined);
        assert.deepEqual(waits, [30_000]);
        assert.equal(logins, 2);
        await http.close();
      },
    );
  });

  test("a login that stays throttled is ERR_LOGIN_THROTTLED with the wait it would need", async () => {
    await withServer(
      api(doc({}), (_q, _b, res) =>
        json(res, 429, { error: "too many" }, { "retry-after": "3600" }),
      ),
      async (server) => {
        await assert.rejects(
          scan(server.url, [notAcceptableCheck], {
            login: { path: "/login", body: { username: "u", password: "p" } },
          }),
          (e: RampartError) =>
            e.code === "ERR_LOGIN_THROTTLED" &&
            /POST \/login is throttled: it answered 429 and asks to wait 3600 s more/.test(
              e.message,
            ),
        );
      },
    );
  });
});

describe("throttled probes", () => {
  test("a probe answered 429 with Retry-After is asked again after the wait, not judged on the 429", async () => {
    const seen: string[] = [];
    let throttled = 0;
    const report = await withServer(
      api(
        doc({ "/items": { get: { responses: OK } } }),
        (req, _b, res) => {
          if (req.url !== "/items") return json(res, 404, { error: "not found" });
          if (req.headers.accept === "application/x-rampart-unsupported" && throttled++ === 0)
            return json(res, 429, { error: "slow down" }, { "retry-after": "1" });
          json(res, 200, [{ name: "a" }]);
        },
        seen,
      ),
      (server) => scan(server.url, [notAcceptableCheck]),
    );
    assert.equal(throttled, 2);
    assert.equal(verdictOf(report, "IN-02").verdict, "warn");
  });
});

describe("severity that matches the risk", () => {
  test("IN-05: an image preset key and a verification link's token are not API credentials", () => {
    assert.equal(isQueryCredential("key", "/uploads/preview", "thumbnail"), false);
    assert.equal(isQueryCredential("key", "/uploads/preview"), false);
    const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLWhlcmU";
    assert.equal(isQueryCredential("token", "/auth/email-confirmation", token), false);
    assert.equal(isQueryCredential("confirmation", "/auth/email-confirmation", token), false);
  });

  test("IN-05: access_token and key-shaped keys are still credentials", () => {
    assert.equal(isQueryCredential("access_token", "/items"), true);
    assert.equal(isQueryCredential("api_key", "/items", "x"), true);
    assert.equal(isQueryCredential("key", "/data", "AKIA4Q7Z2X9V3B8N6M1P"), true);
    assert.equal(
      isQueryCredential("token", "/items", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
      true,
    );
  });

  test("OUT-02: a JSON 403 without frame options is info, an HTML page without them fails", async () => {
    const document = doc({
      "/items": { get: { responses: OK } },
      "/page": { get: { responses: OK } },
    });
    const jsonOnly = await withServer(
      api(document, (_q, _b, res) =>
        json(res, 403, { error: "forbidden" }, { "content-security-policy": "default-src 'none'" }),
      ),
      (server) => scan(server.url, [frameOptionsCheck]),
    );
    assert.equal(verdictOf(jsonOnly, "OUT-02").verdict, "warn");
    assert.ok(findingsOf(jsonOnly, "out-02-frame-options").every((f) => f.severity === "info"));
    const withPage = await withServer(
      api(document, (req, _b, res) => {
        if (req.url === "/page") {
          res.writeHead(200, { "content-type": "text/html" });
          return res.end("<html><body>hello</body></html>");
        }
        json(res, 200, { ok: true });
      }),
      (server) => scan(server.url, [frameOptionsCheck]),
    );
    assert.equal(verdictOf(withPage, "OUT-02").verdict, "fail");
  });

  test("ACC-02: plain HTTP on loopback is info with the reason, and says so behind a TLS proxy", async () => {
    await withServer(
      api(doc({}), (_q, _b, res) => json(res, 200, {})),
      async (server) => {
        const local = await scan(server.url, [plainHttpCheck]);
        const [finding] = findingsOf(local, "acc-02-plain-http");
        assert.equal(finding?.severity, "info");
        assert.match(finding?.detail ?? "", /the target is loopback/);
        assert.equal(verdictOf(local, "ACC-02").verdict, "warn");
        const proxied = await scan(server.url, [plainHttpCheck], { behindTlsProxy: true });
        assert.match(
          findingsOf(proxied, "acc-02-plain-http")[0]?.detail ?? "",
          /--behind-tls-proxy/,
        );
      },
    );
  });

  test("EXT-04 security.txt and IN-02 406 are best practice: info, not failures", async () => {
    await withServer(
      api(doc({ "/items": { get: { responses: OK } } }), (req, _b, res) =>
        req.url === "/items" ? json(res, 200, [{ name: "a" }]) : json(res, 404, {}),
      ),
      async (server) => {
        const report = await scan(server.url, [securityTxtCheck, notAcceptableCheck]);
        assert.equal(verdictOf(report, "EXT-04").verdict, "warn");
        assert.equal(verdictOf(report, "IN-02").verdict, "warn");
        assert.ok(report.findings.every((f) => f.severity === "info"));
      },
    );
  });
});

describe("no noise", () => {
  test("OUT-07: 403 for a missing token on every protected operation is one finding, not one per operation", async () => {
    const paths = Object.fromEntries(
      ["/a", "/b", "/c"].map((p) => [p, { get: { security: [{ b: [] }], responses: OK } }]),
    );
    const report = await withServer(
      api(doc(paths, BEARER), (_q, _b, res) => json(res, 403, { error: "Forbidden" })),
      (server) => scan(server.url, [errorStatusCheck]),
    );
    const found = findingsOf(report, "out-07-error-status").filter((f) =>
      /Missing credentials answered with 403/.test(f.title),
    );
    assert.equal(found.length, 1);
    assert.match(found[0]?.detail ?? "", /Seen on 3 operations/);
  });
});

describe("refusals judged by effect", () => {
  const document = doc({
    "/items": {
      post: {
        requestBody: {
          content: { "application/json": { schema: { type: "object", properties: {} } } },
        },
        responses: OK,
      },
    },
  });

  test("IN-03: a text/plain body refused with 400 naming its media type passes, 415 advised", async () => {
    const report = await withServer(
      api(document, (req, _b, res) =>
        req.headers["content-type"] === "application/json"
          ? json(res, 400, { error: "Invalid JSON" })
          : json(res, 400, { error: "Unsupported media type: text/plain" }),
      ),
      (server) => scan(server.url, [unsupportedMediaTypeCheck]),
    );
    assert.equal(verdictOf(report, "IN-03").verdict, "pass");
    const run = report.items.find((i) => i.id === "IN-03")?.coverage?.[0];
    assert.match(
      run?.observed ?? "",
      /refused the text\/plain body with 400, naming its media type.*415/,
    );
  });

  test("IN-03: a 400 that reads the body whatever its type still fails", async () => {
    const report = await withServer(
      api(document, (_q, _b, res) => json(res, 400, { error: "name is required" })),
      (server) => scan(server.url, [unsupportedMediaTypeCheck]),
    );
    assert.equal(verdictOf(report, "IN-03").verdict, "fail");
  });

  const listing =
    (byInteger: boolean): Handler =>
    (req, _b, res) => {
      if (req.url === "/articles")
        return json(res, 200, {
          data: [1, 2, 3].map((id) => ({ id, documentId: `k${id}x9f2a7c4e1b`, title: `t${id}` })),
        });
      const key = /^\/articles\/(\w+)$/.exec(req.url ?? "")?.[1] ?? "";
      const found = byInteger ? /^\d+$/.test(key) : /^k\dx9f2a7c4e1b$/.test(key);
      return found ? json(res, 200, { data: { id: 1 } }) : json(res, 404, { error: "not found" });
    };
  const articles = doc({
    "/articles": { get: { responses: OK } },
    "/articles/{id}": {
      get: {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: OK,
      },
    },
  });

  test("PROC-03: integer ids are not guessable when the API answers GET by integer with 404", async () => {
    const report = await withServer(api(articles, listing(false)), (server) =>
      scan(server.url, [integerIdsCheck]),
    );
    assert.equal(findingsOf(report, "proc-03-integer-ids").length, 0);
  });

  const protectedArticles = doc(
    {
      "/articles": { get: { responses: OK } },
      "/articles/{id}": {
        get: {
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: OK,
        },
      },
    },
    { ...BEARER, security: [{ b: [] }] },
  );

  test("PROC-03 (lists): counter ids of a protected list are not guessable when objects are read by documentId", async () => {
    for (const [byInteger, expected] of [
      [false, 0],
      [true, 1],
    ] as const) {
      const report = await withServer(api(protectedArticles, listing(byInteger)), (server) =>
        scan(server.url, [guessableIdsCheck], { bearer: "tok-5c1e9a7d3b8f2a6e" }),
      );
      assert.equal(findingsOf(report, "proc-03-guessable-ids").length, expected, `${byInteger}`);
    }
  });

  test("PROC-03: integer ids the API answers by are still reported", async () => {
    const report = await withServer(api(articles, listing(true)), (server) =>
      scan(server.url, [integerIdsCheck]),
    );
    assert.ok(findingsOf(report, "proc-03-integer-ids").length > 0);
  });
});

describe("the document and the server disagree", () => {
  const paths = {
    "/articles": { get: { responses: OK } },
    "/users/me": { get: { responses: OK } },
  };
  const handler: Handler = (req, _b, res) =>
    req.url === "/articles"
      ? json(res, 200, [{ title: "public news" }])
      : req.headers.authorization
        ? json(res, 200, { username: "alice" })
        : json(res, 401, { error: "unauthorized" });

  test("PROC-01: a public operation under a document that protects everything is a disagreement, not missing auth", async () => {
    const report = await withServer(
      api(doc(paths, { ...BEARER, security: [{ b: [] }] }), handler),
      (server) => scan(server.url, [missingAuthCheck]),
    );
    const [finding] = findingsOf(report, "proc-01-missing-auth");
    assert.equal(finding?.severity, "medium");
    assert.match(finding?.title ?? "", /The document and the server disagree/);
  });

  test("PROC-01: a selectively protected operation answering anonymously stays high", async () => {
    const selective = doc(
      {
        "/articles": { get: { security: [{ b: [] }], responses: OK } },
        "/users/me": { get: { security: [{ b: [] }], responses: OK } },
        "/tags": { get: { responses: OK } },
      },
      BEARER,
    );
    const report = await withServer(api(selective, handler), (server) =>
      scan(server.url, [missingAuthCheck]),
    );
    const [finding] = findingsOf(report, "proc-01-missing-auth");
    assert.equal(finding?.severity, "high");
    assert.equal(finding?.title, "Protected operation answers without credentials");
  });

  test("AUTH-01: a 401 from /users/me decides the item when the first protected operation is public", async () => {
    const report = await withServer(
      api(doc(paths, { ...BEARER, security: [{ b: [] }] }), handler),
      (server) => scan(server.url, [basicAuthCheck]),
    );
    assert.notEqual(verdictOf(report, "AUTH-01").verdict, "not_tested");
  });
});

describe("using what was seen", () => {
  const login = doc({
    "/auth/local": {
      post: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { identifier: { type: "string" }, password: { type: "string" } },
              },
            },
          },
        },
        responses: OK,
      },
    },
  });

  test("AUTH-03: the lockout probe sends the login's own field names (identifier), not username", async () => {
    const bodies: string[] = [];
    const report = await withServer(
      api(login, (req, body, res) => {
        if (req.method !== "POST") return json(res, 404, { error: "not found" });
        bodies.push(body);
        const { identifier, password } = JSON.parse(body || "{}") as Record<string, string>;
        if (!identifier) return json(res, 400, { error: "identifier is required" });
        return password === "Carol-Pass-1"
          ? json(res, 200, { jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.sig" })
          : json(res, 400, { error: "Invalid identifier or password" });
      }),
      (server) =>
        scan(server.url, [lockoutCheck], {
          profile: "full",
          config: { lockout: { path: "/auth/local", username: "carol", password: "Carol-Pass-1" } },
        }),
    );
    assert.ok(
      bodies.every((b) => /"identifier":"carol"/.test(b)),
      bodies[0],
    );
    assert.equal(verdictOf(report, "AUTH-03").verdict, "fail");
  });

  test("EXT-03: the login's answer carrying the token without no-store decides the item", async () => {
    const report = await withServer(
      api(login, (req, _b, res) =>
        req.method === "POST"
          ? json(res, 200, { jwt: "tok-5c1e9a7d3b8f2a6e" }, { "cache-control": "no-cache" })
          : json(res, 404, { error: "not found" }),
      ),
      (server) =>
        scan(server.url, [cacheControlCheck], {
          login: { path: "/auth/local", body: { identifier: "alice", password: "p" } },
        }),
    );
    assert.equal(
      verdictOf(report, "EXT-03").verdict,
      "fail",
      JSON.stringify(verdictOf(report, "EXT-03")),
    );
    const credential = findingsOf(report, "ext-03-cache-control").find(
      (f) => f.title === "Answer carrying a credential cacheable",
    );
    assert.match(
      credential?.detail ?? "",
      /POST \/auth\/local answered 200 with the scan's credential/,
    );
    // The API description was fetched with the token too: it is nobody's data.
    assert.ok(
      !findingsOf(report, "ext-03-cache-control").some((f) => /openapi\.json/.test(f.detail)),
    );
  });
});

describe("overload and query logins", () => {
  const loginDoc = doc({ "/login": { post: { responses: OK } } });
  /** A login that reads `username` / `password` from its JSON body and, if `query`, its URL. */
  const login =
    (query: boolean, seen: string[]): Handler =>
    (req, body, res) => {
      seen.push(req.url ?? "");
      if (req.method !== "POST") return json(res, 404, { error: "not found" });
      const url = new URL(req.url ?? "/", "http://x");
      const fromBody = (JSON.parse(body || "{}") ?? {}) as Record<string, string>;
      const read = (k: string) => fromBody[k] ?? (query ? url.searchParams.get(k) : null);
      const [username, password] = [read("username"), read("password")];
      if (!username || !password)
        return json(res, 400, { error: "username and password required" });
      return password === "Alice-Pass-7"
        ? json(res, 200, { token: "tok-5c1e9a7d3b8f2a6e" })
        : json(res, 401, { error: "invalid credentials" });
    };
  const recipe = { path: "/login", body: { username: "alice", password: "Alice-Pass-7" } };

  test("IN-05: a login that reads the query string is found without the real password in any URL", async () => {
    const seen: string[] = [];
    const report = await withServer(api(loginDoc, login(true, seen), seen), (server) =>
      scan(server.url, [credentialsInUrlCheck], { login: recipe }),
    );
    const finding = findingsOf(report, "in-05-credentials-in-url").find(
      (f) => f.title === "Login reads the password from the query string",
    );
    assert.ok(finding, report.findings.map((f) => f.title).join(" | "));
    assert.ok(!seen.some((u) => u.includes("Alice-Pass-7")), seen.join(", "));
  });

  test("IN-05: a login that reads only its body stays silent, in the safe profile and the full one", async () => {
    for (const profile of ["safe", "full"] as const) {
      const report = await withServer(api(loginDoc, login(false, [])), (server) =>
        scan(server.url, [credentialsInUrlCheck], { login: recipe, profile }),
      );
      assert.deepEqual(
        findingsOf(report, "in-05-credentials-in-url").map((f) => f.title),
        [],
        profile,
      );
    }
  });

  const lockoutDoc = doc({ "/login": { post: { responses: OK } } });
  const overloaded = (last: "granted" | "overloaded"): Handler => {
    let attempts = 0;
    return (req, body, res) => {
      if (req.method !== "POST") return json(res, 404, { error: "not found" });
      attempts++;
      const { password } = JSON.parse(body || "{}") as Record<string, string>;
      // Every third wrong password is shed by an overload guard (as Directus's "Under pressure"
      // is), and with "overloaded" the right password at the end too.
      const right = password === "Carol-Pass-1";
      if ((!right && attempts % 3 === 0) || (last === "overloaded" && right && attempts > 1))
        return json(res, 503, { error: "Under pressure" });
      return right
        ? json(res, 200, { token: `tok-${attempts}-5c1e9a7d3b8f` })
        : json(res, 401, { error: "invalid credentials" });
    };
  };
  const lockout = { lockout: { path: "/login", username: "carol", password: "Carol-Pass-1" } };

  test("AUTH-03: 503s of an overloaded server are no lockout when the right password still gets in", async () => {
    const report = await withServer(api(lockoutDoc, overloaded("granted")), (server) =>
      scan(server.url, [lockoutCheck], { profile: "full", config: lockout }),
    );
    assert.equal(verdictOf(report, "AUTH-03").verdict, "fail");
  });

  test("AUTH-03: the right password answered 503 is not tested, never a pass", async () => {
    const report = await withServer(api(lockoutDoc, overloaded("overloaded")), (server) =>
      scan(server.url, [lockoutCheck], { profile: "full", config: lockout }),
    );
    const { verdict, reason } = verdictOf(report, "AUTH-03");
    assert.equal(verdict, "not_tested");
    assert.match(reason ?? "", /got 503 .*not a lockout/);
  });
});
