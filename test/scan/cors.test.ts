import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { corsCheck } from "../../src/scan/checks/beyond/cors.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/** How the API decides which origin may read it. */
type Policy =
  | "reflect-any"
  | "starts-with-host"
  | "ends-with-host"
  | "preflight-reflects"
  | "wildcard-with-credentials"
  | "allow-list";

const TRUSTED = "https://app.example.test";
const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "cors", version: "1" },
  paths: { "/api/orders": { get: { responses: { "200": { description: "ok" } } } } },
};

async function corsApi(policy: Policy) {
  const server = createServer((req, res) => {
    const origin = req.headers.origin;
    const headers: Record<string, string> = { "content-type": "application/json" };
    const allow = (value: string) => {
      headers["access-control-allow-origin"] = value;
      headers["access-control-allow-credentials"] = "true";
      headers.vary = "Origin";
    };
    const host = "127.0.0.1";
    if (policy === "wildcard-with-credentials") allow("*");
    else if (origin !== undefined) {
      const ok =
        policy === "reflect-any" ||
        origin === TRUSTED ||
        (policy === "starts-with-host" && origin.replace(/^https?:\/\//, "").startsWith(host)) ||
        (policy === "ends-with-host" && origin.endsWith(host)) ||
        (policy === "preflight-reflects" && req.method === "OPTIONS");
      if (ok) allow(origin);
    }
    const path = new URL(req.url ?? "/", "http://x").pathname;
    res.writeHead(req.method === "OPTIONS" ? 204 : 200, headers);
    res.end(
      req.method === "OPTIONS"
        ? ""
        : JSON.stringify(path === "/openapi.json" ? DOCUMENT : { orders: [] }),
    );
  });
  return listenLoopback(server);
}

async function titlesFor(policy: Policy): Promise<{ titles: string[]; verdict?: string }> {
  return withServer(corsApi(policy), async (api) => {
    const report = await runScan({ target: api.url }, { catalog, checks: [corsCheck] });
    return {
      titles: findingsOf(report, "ext-01-cors").map((f) => f.title),
      verdict: report.items.find((i) => i.id === "EXT-01")?.verdict,
    };
  });
}

describe("EXT-01: CORS policies that trust the wrong origins", () => {
  test("any origin reflected with credentials: one finding, not one per look-alike", async () => {
    const { titles, verdict } = await titlesFor("reflect-any");
    assert.deepEqual(titles.sort(), ["CORS reflects any origin", "CORS trusts the null origin"]);
    assert.equal(verdict, "fail");
  });

  test("an allow-list that checks startsWith(host) trusts api-host.attacker: found", async () => {
    const { titles } = await titlesFor("starts-with-host");
    assert.deepEqual(titles, ["CORS trusts an origin that merely starts with the API's host"]);
  });

  test("an allow-list that checks endsWith(host) trusts attacker-api-host: found", async () => {
    const { titles } = await titlesFor("ends-with-host");
    assert.deepEqual(titles, ["CORS trusts an origin that merely ends with the API's host"]);
  });

  test("a preflight that allows any origin while simple requests do not: found", async () => {
    const { titles } = await titlesFor("preflight-reflects");
    assert.deepEqual(titles, ["CORS preflight allows any origin"]);
  });

  test("a wildcard with credentials on every answer, Origin or not: found", async () => {
    const { titles } = await titlesFor("wildcard-with-credentials");
    assert.deepEqual(titles, ["CORS wildcard with credentials"]);
  });

  test("an exact allow-list of one trusted site: silent, and EXT-01 passes", async () => {
    const { titles, verdict } = await titlesFor("allow-list");
    assert.deepEqual(titles, []);
    assert.equal(verdict, "pass");
  });
});

/**
 * An API that authenticates by an `X-Key` header and opens a cookie session on `GET
 * /auth/login`; its CORS headers answer only signed-in sessions, and `GET /auth/logout` ends
 * the session. `reflect` trusts any origin for a session; `allow-list` only TRUSTED.
 */
async function sessionCorsApi(policy: "reflect" | "allow-list") {
  const sessions = new Set<string>();
  const requested: string[] = [];
  let next = 0;
  const document = {
    openapi: "3.0.3",
    info: { title: "sessions", version: "1" },
    paths: Object.fromEntries(
      ["/auth/login", "/auth/logout", "/api/account"].map((p) => [
        p,
        { get: { responses: { "200": { description: "ok" } } } },
      ]),
    ),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requested.push(`${req.method} ${path}`);
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const headers: Record<string, string> = { "content-type": "application/json" };
    const origin = req.headers.origin;
    const signedIn = sid !== undefined && sessions.has(sid);
    if (signedIn && origin !== undefined && (policy === "reflect" || origin === TRUSTED)) {
      headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-credentials"] = "true";
    }
    if (path === "/openapi.json") {
      res.writeHead(200, headers);
      return res.end(JSON.stringify(document));
    }
    if (req.headers["x-key"] !== "k-123") {
      res.writeHead(401, headers);
      return res.end('{"error":"no key"}');
    }
    if (path === "/auth/login") {
      const id = `s${++next}`;
      sessions.add(id);
      headers["set-cookie"] = `sid=${id}; Path=/; HttpOnly`;
    } else if (path === "/auth/logout" && sid) sessions.delete(sid);
    else if (path === "/api/account" && !signedIn) {
      res.writeHead(403, headers);
      return res.end('{"error":"not signed in"}');
    }
    res.writeHead(200, headers);
    res.end('{"ok":true}');
  });
  const listening = await listenLoopback(server);
  return { ...listening, requested };
}

describe("EXT-01 on a cookie session the API opens for a signed-in caller", () => {
  const scanWithKey = (url: string) =>
    runScan({ target: url, headers: { "x-key": "k-123" } }, { catalog, checks: [corsCheck] });

  test("CORS that reflects any origin only to a signed-in session: found with the session's cookie", async () => {
    await withServer(sessionCorsApi("reflect"), async (api) => {
      const report = await scanWithKey(api.url);
      const titles = findingsOf(report, "ext-01-cors").map((f) => f.title);
      assert.ok(titles.includes("CORS reflects any origin"), titles.join("; "));
      assert.equal(report.items.find((i) => i.id === "EXT-01")?.verdict, "fail");
    });
  });

  test("a session answered only for its trusted site: silent; the sign-out path is never replayed", async () => {
    await withServer(sessionCorsApi("allow-list"), async (api) => {
      const report = await scanWithKey(api.url);
      assert.deepEqual(findingsOf(report, "ext-01-cors"), []);
      const logouts = api.requested.filter((r) => r === "GET /auth/logout").length;
      // Discovery reads each documented GET once; the check never asks the sign-out again.
      assert.equal(logouts, 1);
    });
  });
});
