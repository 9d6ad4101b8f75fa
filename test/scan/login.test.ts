import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { describe, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { createLockoutCheck } from "../../src/scan/checks/abuse/lockout.js";
import { runScan } from "../../src/scan/engine.js";
import { identitiesOf, sendAs } from "../../src/scan/identities.js";
import type { ScanOptions } from "../../src/scan/options.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import type { CheckContext, ScanCheck } from "../../src/scan/types.js";
import { catalog, listenLoopback, requestBodyOf } from "./scan-helpers.js";

/** How one stub logs in and how it wants the credential back. */
interface Stub {
  login(req: IncomingMessage, body: string, res: ServerResponse): void;
  /** True when the request carries a valid credential. */
  authorised(req: IncomingMessage): boolean;
  /** Other routes (a CSRF page, a token endpoint, the API description). */
  extra?(req: IncomingMessage, res: ServerResponse): boolean;
}

const PASSWORD = "alice-test-pass";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => resolve(body));
  });
}

/** A stub API: `/login` (or what `extra` serves), and `GET /api/me` behind the credential. */
async function stubApi(stub: Stub) {
  let logins = 0;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (stub.extra?.(req, res)) return;
    if (path === "/login" && req.method === "POST") {
      logins++;
      return stub.login(req, body, res);
    }
    if (path === "/api/me") {
      const ok = stub.authorised(req);
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      return res.end(ok ? '{"name":"alice"}' : '{"error":"unauthorized"}');
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"error":"not found"}');
  });
  const listening = await listenLoopback(server);
  return { ...listening, logins: () => logins };
}

/** A check that asks for /api/me with the scan's credentials and records the answer. */
function meProbe(seen: { status?: number; auth?: string }): ScanCheck {
  return {
    id: "probe-me",
    items: ["OUT-01"],
    proves: [],
    severity: "info",
    intrusive: false,
    needs: [],
    title: "asks /api/me",
    async run(context: CheckContext) {
      const answer = await context.http.trySend({ url: "/api/me" });
      if (answer) seen.status = answer.status;
      if (context.target.auth) seen.auth = context.target.auth.described;
      return { findings: [], outcome: { status: "not_tested", reason: "probe" } };
    },
  };
}

async function scanWith(stub: Stub, options: Partial<ScanOptions>) {
  const api = await stubApi(stub);
  const seen: { status?: number; auth?: string } = {};
  try {
    const report = await runScan(
      { target: api.url, ...options },
      { catalog, checks: [meProbe(seen)] },
    );
    return { report, seen, logins: api.logins() };
  } finally {
    await api.close();
  }
}

const json = (res: ServerResponse, status: number, value: unknown, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};

describe("login recipes for real APIs", () => {
  test("a token nested at /authentication/token, sent back as Authorization: Token", async () => {
    const token = randomBytes(12).toString("hex");
    const { report, seen } = await scanWith(
      {
        login: (_req, body, res) =>
          JSON.parse(body).user?.password === PASSWORD
            ? json(res, 200, { authentication: { token, expires: 900 } })
            : json(res, 401, { error: "bad credentials" }),
        authorised: (req) => req.headers.authorization === `Token ${token}`,
      },
      {
        login: {
          path: "/login",
          body: { user: { email: "a@example.test", password: PASSWORD } },
          token: { pointer: "/authentication/token" },
          send: { scheme: "Token" },
        },
      },
    );
    assert.equal(seen.status, 200);
    assert.match(
      report.authentication ?? "",
      /token at \/authentication\/token, sent as Authorization: Token/,
    );
    assert.doesNotMatch(JSON.stringify(report), new RegExp(token));
  });

  test("found by itself: a token in the Authorization response header, sent back as Bearer", async () => {
    const token = randomBytes(12).toString("hex");
    const { seen, report } = await scanWith(
      {
        login: (_req, _body, res) =>
          json(res, 200, { ok: true }, { authorization: `Bearer ${token}` }),
        authorised: (req) => req.headers.authorization === `Bearer ${token}`,
      },
      { login: { path: "/login", body: { username: "alice", password: PASSWORD } } },
    );
    assert.equal(seen.status, 200);
    assert.match(report.authentication ?? "", /token in the authorization header/);
  });

  test("a token sent back in a named header (X-Auth-Token)", async () => {
    const token = randomBytes(12).toString("hex");
    const { seen } = await scanWith(
      {
        login: (_req, _body, res) => json(res, 200, { data: { jwt: token } }),
        authorised: (req) => req.headers["x-auth-token"] === token,
      },
      {
        login: {
          path: "/login",
          body: { username: "alice", password: PASSWORD },
          send: { header: "X-Auth-Token" },
        },
      },
    );
    assert.equal(seen.status, 200);
  });

  test("a form login with a CSRF step: the session cookie is kept and sent", async () => {
    const csrf = randomBytes(8).toString("hex");
    const session = randomBytes(8).toString("hex");
    const { seen, report } = await scanWith(
      {
        extra: (req, res) => {
          if (new URL(req.url ?? "/", "http://x").pathname !== "/login" || req.method !== "GET")
            return false;
          res.writeHead(200, { "content-type": "text/html", "set-cookie": "pre=1; HttpOnly" });
          res.end(`<form method=post><input type="hidden" name="_csrf" value="${csrf}"></form>`);
          return true;
        },
        login: (req, body, res) => {
          const form = new URLSearchParams(body);
          const ok =
            form.get("_csrf") === csrf &&
            form.get("password") === PASSWORD &&
            /pre=1/.test(req.headers.cookie ?? "");
          res.writeHead(302, {
            location: ok ? "/app" : "/login?error=1",
            ...(ok ? { "set-cookie": `connect.sid=${session}; Path=/; HttpOnly` } : {}),
          });
          res.end();
        },
        authorised: (req) => (req.headers.cookie ?? "").includes(`connect.sid=${session}`),
      },
      {
        login: {
          path: "/login",
          form: { username: "alice", password: PASSWORD },
          csrf: { path: "/login", from: { input: "_csrf" } },
        },
      },
    );
    assert.equal(seen.status, 200, report.authentication);
    assert.match(
      report.authentication ?? "",
      /session in the cookie connect\.sid, sent as cookie connect\.sid/,
    );
  });

  test("an OAuth password grant with the client in HTTP Basic (RFC 6749 2.3.1)", async () => {
    const token = randomBytes(12).toString("hex");
    const client = `Basic ${Buffer.from("scanner:s3cret").toString("base64")}`;
    // The token endpoint reads a form body and the client's Basic credentials.
    const server = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/oauth/token") {
        const form = new URLSearchParams(body);
        const ok =
          req.headers.authorization === client &&
          form.get("grant_type") === "password" &&
          form.get("password") === PASSWORD;
        return ok
          ? json(res, 200, { access_token: token, token_type: "Bearer", expires_in: 600 })
          : json(res, 400, { error: "invalid_grant" });
      }
      const ok = req.headers.authorization === `Bearer ${token}`;
      json(res, ok ? 200 : 401, ok ? { name: "alice" } : { error: "unauthorized" });
    });
    const api = await listenLoopback(server);
    const probe: { status?: number } = {};
    try {
      await runScan(
        {
          target: api.url,
          login: {
            grant: "password",
            tokenUrl: "/oauth/token",
            clientId: "scanner",
            clientSecret: "s3cret",
            username: "alice",
            password: PASSWORD,
          },
        },
        { catalog, checks: [meProbe(probe)] },
      );
    } finally {
      await api.close();
    }
    assert.equal(probe.status, 200);
  });

  test("a token that expires mid-scan: logged in again on the 401, every request answered", async () => {
    let current = "";
    let uses = 0;
    const stub: Stub = {
      login: (_req, _body, res) => {
        current = randomBytes(10).toString("hex");
        uses = 0;
        json(res, 200, { access_token: current });
      },
      // Each token is good for two requests, then expires.
      authorised: (req) => req.headers.authorization === `Bearer ${current}` && ++uses <= 2,
    };
    const api = await stubApi(stub);
    const statuses: number[] = [];
    const fiveTimes: ScanCheck = {
      ...meProbe({}),
      async run(context) {
        for (let i = 0; i < 5; i++) {
          const answer = await context.http.trySend({ url: "/api/me" });
          if (answer) statuses.push(answer.status);
        }
        return { findings: [], outcome: { status: "not_tested", reason: "probe" } };
      },
    };
    try {
      await runScan(
        {
          target: api.url,
          login: { path: "/login", body: { username: "alice", password: PASSWORD } },
        },
        { catalog, checks: [fiveTimes] },
      );
    } finally {
      await api.close();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(api.logins(), 3, "the first login and two re-logins");
  });

  test("a refused login is ERR_LOGIN_FAILED with the status and a redacted excerpt, never the password", async () => {
    const api = await stubApi({
      login: (_req, _body, res) =>
        json(res, 200, { status: "fail", message: "wrong password", token: "" }),
      authorised: () => false,
    });
    try {
      await assert.rejects(
        runScan(
          {
            target: api.url,
            login: { path: "/login", body: { username: "alice", password: PASSWORD } },
          },
          { catalog, checks: [] },
        ),
        (error: unknown) =>
          error instanceof RampartError &&
          error.code === "ERR_LOGIN_FAILED" &&
          /POST \/login answered 200 with an error body: \{"status":"fail"/.test(error.message) &&
          !error.message.includes(PASSWORD),
      );
    } finally {
      await api.close();
    }
  });
});

describe("zero-config login (scan.credentials)", () => {
  // Regression: a body behind $refs (requestBodies, then a schema under a property) had a null
  // where the nested object goes, so the documented login was never tried.
  test("the document's login operation, its nested body behind $refs and the token's place are found", async () => {
    const token = randomBytes(12).toString("hex");
    const document = {
      openapi: "3.0.3",
      info: { title: "conduit-like", version: "1" },
      paths: {
        "/api/users/login": {
          post: {
            requestBody: { $ref: "#/components/requestBodies/Login" },
            responses: { "200": { description: "ok" } },
          },
        },
        "/api/me": {
          get: { security: [{ token: [] }], responses: { "200": { description: "ok" } } },
        },
      },
      components: {
        requestBodies: {
          Login: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["user"],
                  properties: { user: { $ref: "#/components/schemas/LoginUser" } },
                },
              },
            },
          },
        },
        schemas: {
          LoginUser: {
            type: "object",
            required: ["email", "password"],
            properties: {
              email: { type: "string", format: "email" },
              password: { type: "string" },
            },
          },
        },
      },
    };
    const server = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/openapi.json") return json(res, 200, document);
      if (path === "/api/users/login" && req.method === "POST") {
        const user = (JSON.parse(body || "{}") as { user?: { email?: string; password?: string } })
          .user;
        const accounts: Record<string, string> = {
          "alice@example.test": token,
          "bob@example.test": `${token}-bob`,
        };
        return user?.email && user.password === PASSWORD && accounts[user.email]
          ? json(res, 200, { user: { email: user.email, token: accounts[user.email] } })
          : json(res, 422, { errors: { body: ["invalid"] } });
      }
      const who =
        req.headers.authorization === `Bearer ${token}`
          ? "alice"
          : req.headers.authorization === `Bearer ${token}-bob`
            ? "bob"
            : undefined;
      json(res, who ? 200 : 401, who ? { name: who } : { error: "unauthorized" });
    });
    const api = await listenLoopback(server);
    const seen: { status?: number; auth?: string } = {};
    const asBob: { name?: unknown } = {};
    const bobProbe: ScanCheck = {
      ...meProbe({}),
      id: "probe-bob",
      async run(context) {
        const { list } = await identitiesOf(context);
        const bob = list.find((i) => i.name === "bob");
        const answer = await sendAs(context, bob, { url: "/api/me" });
        asBob.name = answer ? JSON.parse(answer.body).name : undefined;
        return { findings: [], outcome: { status: "not_tested", reason: "probe" } };
      },
    };
    try {
      const report = await runScan(
        {
          target: api.url,
          config: {
            credentials: { username: "alice@example.test", password: PASSWORD },
            // An identity given only a username and password logs in the way the scan found.
            identities: [
              { name: "bob", credentials: { username: "bob@example.test", password: PASSWORD } },
            ],
          },
        },
        { catalog, checks: [meProbe(seen), bobProbe] },
      );
      assert.equal(seen.status, 200);
      assert.equal(asBob.name, "bob");
      assert.match(
        report.authentication ?? "",
        /^found by itself: POST \/api\/users\/login: token at \/user\/token, sent as Authorization: Bearer$/,
      );
    } finally {
      await api.close();
    }
  });
});

describe("the test account survives the scan", () => {
  // Regression: once example bodies had their nested fields, PUT /user sent the document's
  // example email and password, the account's login changed, and every later request was refused.
  test("a profile update carries the login's own email and password, never the example's", async () => {
    const account = { email: "alice@example.test", password: PASSWORD };
    // A token names the account's email, as a JWT's subject does: a changed email ends it.
    const tokens = new Map<string, string>();
    const document = {
      openapi: "3.0.3",
      info: { title: "profile", version: "1" },
      components: {
        securitySchemes: { token: { type: "http", scheme: "bearer" } },
        schemas: {
          Login: {
            type: "object",
            required: ["email", "password"],
            properties: {
              email: { type: "string", format: "email" },
              password: { type: "string" },
            },
          },
          Update: {
            type: "object",
            properties: {
              email: { type: "string", format: "email" },
              password: { type: "string" },
              bio: { type: "string" },
            },
          },
        },
      },
      paths: {
        "/api/users/login": {
          post: {
            requestBody: requestBodyOf({ user: { $ref: "#/components/schemas/Login" } }),
            responses: { "200": { description: "ok" } },
          },
        },
        "/api/user": {
          put: {
            security: [{ token: [] }],
            requestBody: requestBodyOf({ user: { $ref: "#/components/schemas/Update" } }),
            responses: { "200": { description: "ok" } },
          },
        },
      },
    };
    const server = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/openapi.json") return json(res, 200, document);
      let user: Record<string, unknown> = {};
      try {
        user = (JSON.parse(body) as { user?: Record<string, unknown> }).user ?? {};
      } catch {
        // the scan sends malformed bodies too
      }
      if (path === "/api/users/login" && req.method === "POST") {
        if (user.email !== account.email || user.password !== account.password)
          return json(res, 422, { errors: { body: ["invalid"] } });
        const token = randomBytes(12).toString("hex");
        tokens.set(token, account.email);
        return json(res, 200, { user: { email: account.email, token } });
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token || tokens.get(token) !== account.email)
        return json(res, 401, { error: "unauthorized" });
      if (path === "/api/user" && req.method === "PUT") {
        // Numbers taken as strings, as a validator that coerces types does (ajv's coerceTypes).
        const text = (v: unknown) =>
          typeof v === "string" || typeof v === "number" ? String(v) : undefined;
        account.email = text(user.email) ?? account.email;
        account.password = text(user.password) ?? account.password;
        return json(res, 200, { user: { email: account.email } });
      }
      json(res, 404, { error: "not found" });
    });
    const api = await listenLoopback(server);
    try {
      await runScan(
        {
          target: api.url,
          profile: "full",
          config: { credentials: { username: "alice@example.test", password: PASSWORD } },
        },
        { catalog, checks: SCAN_CHECKS },
      );
      assert.deepEqual(account, { email: "alice@example.test", password: PASSWORD });
    } finally {
      await api.close();
    }
  });
});

describe("AUTH-03 lockout through the recipe (a form login)", () => {
  for (const locks of [true, false]) {
    test(`${locks ? "locked after three failures: no finding" : "never locked: the finding"}`, async () => {
      let failures = 0;
      const stub: Stub = {
        login: (_req, body, res) => {
          const form = new URLSearchParams(body);
          const right = form.get("password") === PASSWORD && !(locks && failures >= 3);
          if (!right) failures++;
          res.writeHead(302, {
            location: right ? "/dashboard" : "/login?failed",
            ...(right ? { "set-cookie": `sid=${randomBytes(6).toString("hex")}; HttpOnly` } : {}),
          });
          res.end();
        },
        authorised: () => true,
      };
      const api = await stubApi(stub);
      try {
        const report = await runScan(
          {
            target: api.url,
            profile: "full",
            config: {
              login: { path: "/login", form: { username: "lockme", password: PASSWORD } },
              lockout: { username: "lockme", password: PASSWORD, attempts: 5 },
            },
            login: { path: "/login", form: { username: "lockme", password: PASSWORD } },
          },
          { catalog, checks: [createLockoutCheck()] },
        );
        const item = report.items.find((i) => i.id === "AUTH-03");
        assert.equal(item?.verdict, locks ? "pass" : "fail", JSON.stringify(item));
      } finally {
        await api.close();
      }
    });
  }
});

describe("OAuth client credentials (RFC 6749 4.4)", () => {
  test("the client authenticates in the body; the token it gets is used, a wrong secret refused", async () => {
    const token = randomBytes(12).toString("hex");
    const server = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/oauth/token") {
        const form = new URLSearchParams(body);
        const ok =
          form.get("grant_type") === "client_credentials" &&
          form.get("client_id") === "machine" &&
          form.get("client_secret") === "right-secret" &&
          form.get("scope") === "read";
        return ok
          ? json(res, 200, { access_token: token, token_type: "Bearer", expires_in: 300 })
          : json(res, 401, { error: "invalid_client" });
      }
      const ok = req.headers.authorization === `Bearer ${token}`;
      json(res, ok ? 200 : 401, ok ? { name: "machine" } : { error: "unauthorized" });
    });
    const api = await listenLoopback(server);
    const grant = (clientSecret: string) => ({
      grant: "client_credentials" as const,
      tokenUrl: "/oauth/token",
      clientId: "machine",
      clientSecret,
      clientAuth: "body" as const,
      scope: "read",
    });
    try {
      const seen: { status?: number } = {};
      const report = await runScan(
        { target: api.url, login: grant("right-secret") },
        { catalog, checks: [meProbe(seen)] },
      );
      assert.equal(seen.status, 200);
      assert.match(report.authentication ?? "", /client_credentials grant/);
      await assert.rejects(
        runScan({ target: api.url, login: grant("wrong-secret") }, { catalog, checks: [] }),
        (e: unknown) =>
          e instanceof RampartError && e.code === "ERR_LOGIN_FAILED" && /401/.test(e.message),
      );
    } finally {
      await api.close();
    }
  });
});
