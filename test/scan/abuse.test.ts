import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEMO_USERS } from "../../demo/store.js";
import { loadConfig } from "../../src/config.js";
import { RampartError } from "../../src/core/errors.js";
import type { Report } from "../../src/core/report.js";
import { parseYaml } from "../../src/core/yaml.js";
import { createLockoutCheck, lockoutCheck } from "../../src/scan/checks/abuse/lockout.js";
import { createLoginBurstCheck } from "../../src/scan/checks/abuse/login-burst.js";
import {
  createRateLimitCheck,
  rateLimitCheck,
  rateLimitHeadersCheck,
} from "../../src/scan/checks/abuse/rate-limit.js";
import { INJECTION_CHECKS } from "../../src/scan/checks/injection/index.js";
import { xmlExpansionCheck, yamlExpansionCheck } from "../../src/scan/checks/parsers/expansion.js";
import { xxeCheck } from "../../src/scan/checks/parsers/xxe.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanOptions } from "../../src/scan/options.js";
import type { ScanCheck } from "../../src/scan/types.js";
import { demoPool, startDemo } from "../helpers/demo-client.js";
import {
  catalog,
  countingServer,
  coverageOf,
  DEMO_LOGIN,
  findingsOf,
  textBodyServer,
  verdictOf,
} from "./scan-helpers.js";

const demo = demoPool();
const BOB = { username: "bob", password: DEMO_USERS.bob.password };

function scanWith(
  api: { url: string },
  checks: readonly ScanCheck[],
  options: Partial<ScanOptions> = {},
): Promise<Report> {
  return runScan(
    { target: api.url, login: DEMO_LOGIN, profile: "full", ...options },
    { catalog, checks },
  );
}

/** A loopback server whose handler gets the request body as text. */
const bodyServer = textBodyServer;

const runOf = (report: Report, id: string) => report.checks.find((c) => c.id === id);

describe("ACC-01 login burst (full profile)", () => {
  test("no-rate-limit: 20 failed logins of unknown accounts all answered, reported with the rate", async () => {
    const report = await scanWith(await demo("no-rate-limit"), [
      createLoginBurstCheck({ attempts: 20 }),
    ]);
    const [finding] = findingsOf(report, "acc-01-login-burst");
    assert.equal(finding?.title, "No throttling on the login: 20 failed logins answered");
    assert.match(
      finding?.evidence.note ?? "",
      /20 failed logins at POST \/auth\/login, 20 answered/,
    );
    assert.equal(verdictOf(report, "ACC-01").verdict, "fail");
  });

  test("hardened demo limited to 10 per 10 s: the login announces its limit, which is observed", async () => {
    const api = await startDemo("none", { rateLimit: { limit: 10, windowSeconds: 10 } });
    try {
      const report = await scanWith(api, [createLoginBurstCheck({ attempts: 20 })]);
      assert.deepEqual(findingsOf(report, "acc-01-login-burst"), []);
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(
        coverage?.observed ?? "",
        /^a limit announced in RateLimit headers on failed logins at POST \/auth\/login/,
      );
    } finally {
      await api.close();
    }
  });

  test("a silent login throttle (429 past five failures from one client, whatever the account) is observed", async () => {
    let failures = 0;
    const server = await bodyServer((req, body, res) => {
      const login = req.url === "/login";
      const ok = login && JSON.parse(body).username === "ann";
      if (login && !ok) failures++;
      const status = ok ? 200 : login && failures > 5 ? 429 : 401;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(ok ? '{"token":"t0k3n-of-ann"}' : '{"error":"no"}');
    });
    try {
      const report = await runScan(
        {
          target: server.url,
          profile: "full",
          login: { path: "/login", body: { username: "ann", password: "x" } },
        },
        { catalog, checks: [createLoginBurstCheck({ attempts: 20, workers: 1 })] },
      );
      assert.deepEqual(report.findings, []);
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(coverage?.observed ?? "", /^429 after 6 failed logins at POST \/login/);
    } finally {
      await server.close();
    }
  });

  test("a login that announces its limit in RateLimit headers passes with the limit named", async () => {
    const server = await bodyServer((req, body, res) => {
      const ok = req.url === "/login" && JSON.parse(body).username === "ann";
      res.writeHead(ok ? 200 : 401, {
        "content-type": "application/json",
        "ratelimit-policy": '"per-client";q=1000;w=3600',
        ratelimit: '"per-client";r=990;t=3000',
      });
      res.end(ok ? '{"token":"t0k3n-of-ann"}' : '{"error":"invalid credentials"}');
    });
    try {
      const report = await runScan(
        {
          target: server.url,
          profile: "full",
          login: { path: "/login", body: { username: "ann", password: "x" } },
        },
        { catalog, checks: [createLoginBurstCheck({ attempts: 10 })] },
      );
      assert.deepEqual(report.findings, []);
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(
        coverage?.observed ?? "",
        /a limit announced in RateLimit headers on failed logins at POST \/login \(ratelimit-policy: "per-client";q=1000;w=3600/,
      );
    } finally {
      await server.close();
    }
  });

  test("the burst never names a real account: each login is of another unknown example.invalid user", async () => {
    const users = new Set<string>();
    const server = await bodyServer((req, body, res) => {
      const username = req.url === "/login" ? String(JSON.parse(body).username) : "";
      users.add(username);
      const ok = username === "ann";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(ok ? '{"token":"t0k3n-of-ann"}' : '{"error":"invalid credentials"}');
    });
    try {
      await runScan(
        {
          target: server.url,
          profile: "full",
          login: { path: "/login", body: { username: "ann", password: "x" } },
        },
        { catalog, checks: [createLoginBurstCheck({ attempts: 10 })] },
      );
      const burst = [...users].filter((u) => u !== "ann" && u !== "");
      assert.equal(burst.length, 10);
      for (const user of burst) assert.match(user, /^rampart-[0-9a-f]{12}@example\.invalid$/);
    } finally {
      await server.close();
    }
  });
});

describe("ACC-01 password-reset burst (full profile)", () => {
  /** An API documenting `POST /account/forgot-password` ({email}); `limit`: 429 past it, per client. */
  function resetApi(limit: number | undefined, addresses: string[]) {
    let resets = 0;
    return bodyServer((req, body, res) => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.url === "/openapi.json")
        return json(200, {
          openapi: "3.1.0",
          info: { title: "reset", version: "1" },
          paths: {
            "/account/forgot-password": {
              post: {
                requestBody: {
                  content: {
                    "application/json": {
                      schema: {
                        type: "object",
                        properties: { email: { type: "string", format: "email" } },
                      },
                    },
                  },
                },
                responses: { "202": { description: "mail sent if the account exists" } },
              },
            },
          },
        });
      if (req.url !== "/account/forgot-password" || req.method !== "POST") return json(404, {});
      addresses.push(String(JSON.parse(body).email));
      resets++;
      if (limit !== undefined && resets > limit) return json(429, { error: "slow down" });
      return json(202, { status: "if the account exists, a mail is on its way" });
    });
  }

  test("no throttle on a password reset: found, every request for an unknown example.invalid address", async () => {
    const addresses: string[] = [];
    const server = await resetApi(undefined, addresses);
    try {
      const report = await runScan(
        { target: server.url, openapi: `${server.url}/openapi.json`, profile: "full" },
        { catalog, checks: [createLoginBurstCheck({ attempts: 12 })] },
      );
      const [finding] = findingsOf(report, "acc-01-login-burst");
      assert.equal(finding?.title, "No throttling on the password reset: 12 requests answered");
      assert.equal(addresses.length, 12);
      for (const address of addresses)
        assert.match(address, /^rampart-[0-9a-f]{12}@example\.invalid$/);
    } finally {
      await server.close();
    }
  });

  test("a password reset throttled after 5 requests: the limit observed, no finding", async () => {
    const server = await resetApi(5, []);
    try {
      const report = await runScan(
        { target: server.url, openapi: `${server.url}/openapi.json`, profile: "full" },
        { catalog, checks: [createLoginBurstCheck({ attempts: 12, workers: 1 })] },
      );
      assert.deepEqual(findingsOf(report, "acc-01-login-burst"), []);
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(
        coverage?.observed ?? "",
        /^429 after 6 password resets at POST \/account\/forgot-password/,
      );
    } finally {
      await server.close();
    }
  });
});

describe("ACC-01 sign-up burst (full profile)", () => {
  /**
   * An API documenting `POST /users` ({user: {username, email, password}}) and its login. Email
   * addresses are unique unless `duplicates`; `limit`: 429 past that many sign-ups.
   */
  function signUpApi(options: { limit?: number; duplicates?: boolean }, accounts: string[]) {
    let signUps = 0;
    const emails = new Set(["ann@example.test"]);
    const userBody = {
      type: "object",
      properties: {
        user: {
          type: "object",
          properties: {
            username: { type: "string" },
            email: { type: "string" },
            password: { type: "string" },
          },
        },
      },
    };
    const post = (status: string) => ({
      requestBody: { content: { "application/json": { schema: userBody } } },
      responses: { [status]: { description: "" } },
    });
    return bodyServer((req, body, res) => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.url === "/openapi.json")
        return json(200, {
          openapi: "3.1.0",
          info: { title: "sign-up", version: "1" },
          paths: { "/users": { post: post("201") }, "/users/login": { post: post("200") } },
        });
      if (req.url === "/users/login" && req.method === "POST") {
        const user = JSON.parse(body).user ?? {};
        return user.email === "ann@example.test" && user.password === "ann-pass"
          ? json(200, { user: { token: "ann-token" } })
          : json(401, { error: "wrong" });
      }
      if (req.url !== "/users" || req.method !== "POST") return json(404, {});
      signUps++;
      if (options.limit !== undefined && signUps > options.limit)
        return json(429, { error: "slow down" });
      const email = String(JSON.parse(body).user?.email);
      if (emails.has(email) && !options.duplicates) return json(422, { error: "email taken" });
      emails.add(email);
      accounts.push(email);
      return json(201, { user: { email } });
    });
  }

  const scanSignUp = (url: string, attempts = 12) =>
    runScan(
      {
        target: url,
        openapi: `${url}/openapi.json`,
        profile: "full",
        config: {
          identities: [
            {
              name: "ann",
              login: {
                path: "/users/login",
                body: { user: { email: "ann@example.test", password: "ann-pass" } },
              },
            },
          ],
        },
      },
      { catalog, checks: [createLoginBurstCheck({ attempts, workers: 1 })] },
    );

  test("no throttle on a sign-up: found, and no account is made (each is the identity's own again)", async () => {
    const accounts: string[] = [];
    const server = await signUpApi({}, accounts);
    try {
      const report = await scanSignUp(server.url);
      const finding = findingsOf(report, "acc-01-login-burst").find((f) =>
        f.title.includes("sign-up"),
      );
      assert.equal(finding?.title, "No throttling on the sign-up: 12 requests answered");
      assert.match(finding?.evidence.note ?? "", /12 sign-ups at POST \/users, 12 answered/);
      assert.deepEqual(accounts, []);
    } finally {
      await server.close();
    }
  });

  test("a sign-up throttled after 5 requests: the limit observed, no sign-up finding", async () => {
    const server = await signUpApi({ limit: 5 }, []);
    try {
      const report = await scanSignUp(server.url);
      const titles = findingsOf(report, "acc-01-login-burst").map((f) => f.title);
      assert.ok(!titles.some((t) => t.includes("sign-up")), titles.join("; "));
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(coverage?.observed ?? "", /429 after \d+ sign-ups at POST \/users/);
    } finally {
      await server.close();
    }
  });

  test("an API that takes a duplicate sign-up: no burst is sent, said as a gap (one account at most)", async () => {
    const accounts: string[] = [];
    const server = await signUpApi({ duplicates: true }, accounts);
    try {
      const report = await scanSignUp(server.url);
      assert.ok(accounts.length <= 1, accounts.join(", "));
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(
        coverage?.note ?? "",
        /sign-up at POST \/users was not tried: a sign-up with an existing account's name was answered 201/,
      );
    } finally {
      await server.close();
    }
  });
});

describe("ACC-01 token-endpoint burst (full profile)", () => {
  /** An API whose document declares an OAuth token endpoint; `limit`: 429 past it. */
  function tokenApi(limit: number | undefined, clients: string[]) {
    let requests = 0;
    return bodyServer((req, body, res) => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.url === "/openapi.json")
        return json(200, {
          openapi: "3.1.0",
          info: { title: "token", version: "1" },
          components: {
            securitySchemes: {
              oauth: {
                type: "oauth2",
                flows: { clientCredentials: { tokenUrl: "/oauth/token", scopes: {} } },
              },
            },
          },
          security: [{ oauth: [] }],
          paths: { "/reports": { get: { responses: { "200": { description: "" } } } } },
        });
      if (req.url !== "/oauth/token" || req.method !== "POST") return json(401, {});
      requests++;
      if (limit !== undefined && requests > limit) return json(429, { error: "slow_down" });
      clients.push(String(new URLSearchParams(body).get("client_id")));
      return json(401, { error: "invalid_client" });
    });
  }

  test("no throttle on the token endpoint: found, each request of a client that does not exist", async () => {
    const clients: string[] = [];
    const server = await tokenApi(undefined, clients);
    try {
      const report = await runScan(
        { target: server.url, openapi: `${server.url}/openapi.json`, profile: "full" },
        { catalog, checks: [createLoginBurstCheck({ attempts: 12 })] },
      );
      const [finding] = findingsOf(report, "acc-01-login-burst");
      assert.equal(finding?.title, "No throttling on the token endpoint: 12 requests answered");
      assert.equal(clients.length, 12);
      for (const client of clients) assert.match(client, /^rampart-[0-9a-f]{12}$/);
    } finally {
      await server.close();
    }
  });

  test("a token endpoint throttled after 5 requests: the limit observed, no finding", async () => {
    const server = await tokenApi(5, []);
    try {
      const report = await runScan(
        { target: server.url, openapi: `${server.url}/openapi.json`, profile: "full" },
        { catalog, checks: [createLoginBurstCheck({ attempts: 12, workers: 1 })] },
      );
      assert.deepEqual(findingsOf(report, "acc-01-login-burst"), []);
      const coverage = coverageOf(report, "ACC-01", "acc-01-login-burst");
      assert.match(coverage?.observed ?? "", /^429 after 6 token requests at POST \/oauth\/token/);
    } finally {
      await server.close();
    }
  });
});

describe("ACC-01 burst (full profile)", () => {
  test("no-rate-limit: a burst of 30 requests to an API operation gets no 429, reported with the rate", async () => {
    const report = await scanWith(await demo("no-rate-limit"), [
      createRateLimitCheck({ burst: 30 }),
    ]);
    const [finding] = findingsOf(report, "acc-01-burst");
    assert.ok(finding, JSON.stringify(report.checks));
    assert.equal(finding.severity, "medium");
    assert.match(finding.title, /No throttling: 30 requests answered without 429/);
    assert.match(
      finding.evidence.note ?? "",
      /30 x GET \/api\/[\w/-]+, 30 answered in .* req\/s\), no 429/,
    );
    assert.equal(verdictOf(report, "ACC-01").verdict, "fail");
  });

  test("hardened demo limited to 20 per 10 s: its RateLimit headers end the burst, ACC-01 passes", async () => {
    const api = await startDemo("none", { rateLimit: { limit: 20, windowSeconds: 10 } });
    try {
      const report = await scanWith(api, [createRateLimitCheck({ burst: 30 })]);
      assert.deepEqual(findingsOf(report, "acc-01-burst"), []);
      assert.equal(runOf(report, "acc-01-burst")?.status, "ran");
      assert.equal(verdictOf(report, "ACC-01").verdict, "pass");
    } finally {
      await api.close();
    }
  });

  test("a silent throttle (429 past a dozen requests, no headers) is recognised by the 429", async () => {
    const server = await countingServer((_req, res) => {
      const throttled = server.count() > 12;
      res.writeHead(throttled ? 429 : 200, { "content-type": "application/json" });
      res.end(throttled ? '{"error":"slow down"}' : '{"status":"ok"}');
    });
    try {
      const report = await runScan(
        { target: server.url, profile: "full" },
        { catalog, checks: [createRateLimitCheck({ burst: 30 })] },
      );
      assert.equal(runOf(report, "acc-01-burst")?.status, "ran");
      assert.deepEqual(report.findings, []);
      assert.ok(server.count() < 45, `${server.count()} requests: the burst stops at the 429`);
      const coverage = coverageOf(report, "ACC-01", "acc-01-burst");
      assert.match(
        coverage?.observed ?? "",
        /^429 after \d+ requests to GET \/ in [\d.]+ s .*; still throttled with a new X-Forwarded-For/,
      );
    } finally {
      await server.close();
    }
  });

  test("a throttle answering 503 with Retry-After (load shedding) counts as throttled", async () => {
    const server = await countingServer((_req, res) => {
      const throttled = server.count() > 12;
      res.writeHead(throttled ? 503 : 200, {
        "content-type": "application/json",
        ...(throttled ? { "retry-after": "30" } : {}),
      });
      res.end(throttled ? '{"error":"busy"}' : '{"status":"ok"}');
    });
    try {
      const report = await runScan(
        { target: server.url, profile: "full" },
        { catalog, checks: [createRateLimitCheck({ burst: 30 })] },
      );
      assert.deepEqual(report.findings, []);
      assert.equal(verdictOf(report, "ACC-01").verdict, "pass");
      const coverage = coverageOf(report, "ACC-01", "acc-01-burst");
      assert.match(coverage?.observed ?? "", /^503 after \d+ requests/);
    } finally {
      await server.close();
    }
  });

  test("a captcha page in place of the answer counts as throttled", async () => {
    const server = await countingServer((_req, res) => {
      const challenged = server.count() > 12;
      res.writeHead(200, { "content-type": challenged ? "text/html" : "application/json" });
      res.end(
        challenged
          ? '<html><body><div class="g-recaptcha" data-sitekey="x"></div></body></html>'
          : '{"status":"ok"}',
      );
    });
    try {
      const report = await runScan(
        { target: server.url, profile: "full" },
        { catalog, checks: [createRateLimitCheck({ burst: 30 })] },
      );
      assert.deepEqual(report.findings, []);
      assert.equal(verdictOf(report, "ACC-01").verdict, "pass");
    } finally {
      await server.close();
    }
  });

  test("regression: an answer that names a captcha setting from the first request is no throttle", async () => {
    const server = await countingServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"captcha": false, "status": "ok"}');
    });
    try {
      const report = await runScan(
        { target: server.url, profile: "full" },
        { catalog, checks: [createRateLimitCheck({ burst: 30 })] },
      );
      assert.match(findingsOf(report, "acc-01-burst")[0]?.title ?? "", /^No throttling/);
      assert.equal(verdictOf(report, "ACC-01").verdict, "fail");
    } finally {
      await server.close();
    }
  });

  test("a throttle keyed on X-Forwarded-For: rotating it lifts the limit, reported as a bypass", async () => {
    const counts = new Map<string, number>();
    const server = await countingServer((req, res) => {
      const key = String(req.headers["x-forwarded-for"] ?? req.socket.remoteAddress);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      res.writeHead(n > 12 ? 429 : 200, { "content-type": "application/json" });
      res.end(n > 12 ? '{"error":"slow down"}' : '{"status":"ok"}');
    });
    try {
      const report = await runScan(
        { target: server.url, profile: "full" },
        { catalog, checks: [createRateLimitCheck({ burst: 30 })] },
      );
      const [finding] = findingsOf(report, "acc-01-burst");
      assert.equal(finding?.title, "Throttle bypassed by rotating X-Forwarded-For");
      assert.match(finding?.detail ?? "", /a request without them was still throttled/);
      assert.equal(verdictOf(report, "ACC-01").verdict, "fail");
    } finally {
      await server.close();
    }
  });

  test("a budget too small for the burst: not tested, with the reason", async () => {
    const report = await scanWith(
      await demo("no-rate-limit"),
      [createRateLimitCheck({ burst: 200 })],
      {
        maxRequests: 60,
      },
    );
    assert.deepEqual(findingsOf(report, "acc-01-burst"), []);
    assert.match(runOf(report, "acc-01-burst")?.reason ?? "", /budget/);
  });

  test("the burst size is validated once, when the check is made", () => {
    assert.throws(() => createRateLimitCheck({ burst: 5000 }), TypeError);
    assert.throws(() => createRateLimitCheck({ burst: 1.5 }), TypeError);
  });
});

describe("ACC-01 passive RateLimit headers (safe profile)", () => {
  test("the hardened demo announces RateLimit headers: ACC-01 passes without a burst", async () => {
    const api = await demo("none");
    const report = await scanWith(api, [rateLimitHeadersCheck, rateLimitCheck], {
      profile: "safe",
    });
    assert.equal(runOf(report, "acc-01-rate-limit-headers")?.status, "ran");
    assert.equal(runOf(report, "acc-01-burst")?.status, "not_tested");
    assert.equal(verdictOf(report, "ACC-01").verdict, "pass");
    assert.deepEqual(report.findings, []);
  });

  test("no RateLimit headers in safe: no finding, ACC-01 left not tested", async () => {
    const report = await scanWith(
      await demo("no-rate-limit"),
      [rateLimitHeadersCheck, rateLimitCheck],
      {
        profile: "safe",
      },
    );
    assert.deepEqual(report.findings, []);
    assert.equal(verdictOf(report, "ACC-01").verdict, "not_tested");
  });
});

describe("AUTH-03 lockout (full profile, a fresh demo per test: the account stays locked)", () => {
  test("no-lockout: the right password still logs in after 10 failures (high)", async () => {
    const api = await startDemo("no-lockout");
    try {
      const report = await scanWith(api, [createLockoutCheck(BOB)]);
      const [finding] = findingsOf(report, "auth-03-lockout");
      assert.ok(finding, JSON.stringify(report.checks));
      assert.equal(finding.severity, "high");
      assert.match(finding.title, /No lockout after 10 failed logins/);
      assert.match(finding.evidence.note ?? "", /10 x 401; right password afterwards: 200/);
      assert.doesNotMatch(JSON.stringify(finding), new RegExp(BOB.password));
    } finally {
      await api.close();
    }
  });

  test("hardened: locked after 5 failures, the right password refused: AUTH-03 passes", async () => {
    const api = await startDemo("none");
    try {
      const report = await scanWith(api, [createLockoutCheck(BOB)]);
      assert.deepEqual(findingsOf(report, "auth-03-lockout"), []);
      assert.equal(runOf(report, "auth-03-lockout")?.status, "ran");
      assert.equal(verdictOf(report, "AUTH-03").verdict, "pass");
    } finally {
      await api.close();
    }
  });

  test("the account comes from scan.lockout of the config", async () => {
    const api = await startDemo("no-lockout");
    try {
      const report = await scanWith(api, [lockoutCheck], {
        config: { lockout: { ...BOB, attempts: 3 } },
      });
      assert.match(findingsOf(report, "auth-03-lockout")[0]?.title ?? "", /after 3 failed/);
    } finally {
      await api.close();
    }
  });

  test("without a test account the check is not tested and sends nothing", async () => {
    const report = await scanWith(await demo("no-lockout"), [lockoutCheck]);
    assert.match(runOf(report, "auth-03-lockout")?.reason ?? "", /scan\.lockout/);
  });

  test("failed logins answered 200 {success:false} are recognised, both ways", async () => {
    for (const locks of [true, false]) {
      let failures = 0;
      const server = await bodyServer((req, body, res) => {
        const answer = (json: unknown) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(json));
        };
        if (req.method !== "POST") return answer({ ok: true });
        const { password } = JSON.parse(body || "{}") as { password?: string };
        if (locks && failures >= 3) return answer({ success: false, error: "locked" });
        if (password !== "right-password") {
          failures++;
          return answer({ success: false });
        }
        return answer({ success: true, token: "opaque-session-token-1234567890" });
      });
      try {
        const report = await runScan(
          { target: server.url, profile: "full" },
          {
            catalog,
            checks: [
              createLockoutCheck({
                path: "/login",
                username: "tester",
                password: "right-password",
                attempts: 5,
              }),
            ],
          },
        );
        const findings = findingsOf(report, "auth-03-lockout");
        assert.equal(findings.length, locks ? 0 : 1, JSON.stringify(report.checks));
      } finally {
        await server.close();
      }
    }
  });
});

describe("intrusive checks never run in the safe profile", () => {
  const intrusive = [
    createRateLimitCheck({ burst: 30 }),
    createLockoutCheck(BOB),
    xxeCheck,
    xmlExpansionCheck,
    yamlExpansionCheck,
    ...INJECTION_CHECKS,
  ];

  test("every abuse, parser and injection check is marked intrusive (the passive one is not)", () => {
    for (const check of intrusive) assert.equal(check.intrusive, true, check.id);
    assert.equal(rateLimitHeadersCheck.intrusive, false);
  });

  test("safe scan of the flawed demo: each is not tested, nothing found, no probe sent", async () => {
    const api = await demo("all");
    const report = await scanWith(api, intrusive, { profile: "safe" });
    assert.deepEqual(report.findings, []);
    for (const check of intrusive)
      assert.match(runOf(report, check.id)?.reason ?? "", /intrusive check/, check.id);
    // Discovery only: far below one burst.
    assert.ok((report.requests ?? 0) < 30, `${report.requests} requests`);
  });
});

describe("scan.lockout in rampart.yaml", () => {
  const load = (yaml: string) => loadConfig(parseYaml(yaml, "rampart.yaml"));

  test("a lockout account is accepted and frozen", () => {
    const config = load(
      "scan:\n  lockout: { path: /auth/login, username: carol, password: carol-demo-pass, attempts: 5 }\n",
    );
    assert.equal(config.scan?.lockout?.attempts, 5);
    assert.ok(Object.isFrozen(config.scan?.lockout));
  });

  test("every problem reported at once, with its path: too many attempts, unknown key, no password", () => {
    assert.throws(
      () => load("scan:\n  lockout: { username: carol, attempts: 51, tries: 3 }\n"),
      (error: unknown) => {
        assert.ok(error instanceof RampartError);
        assert.equal(error.code, "ERR_CONFIG_INVALID");
        const paths = error.problems.map((p) => p.path).join(" ");
        assert.match(paths, /\/scan\/lockout\/attempts/);
        assert.match(paths, /\/scan\/lockout\/tries|\/scan\/lockout/);
        assert.ok(error.problems.length >= 3, JSON.stringify(error.problems));
        return true;
      },
    );
  });
});
