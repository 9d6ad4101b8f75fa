import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { describe, test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { sqlInjectionCheck } from "../../src/scan/checks/injection/index.js";
import {
  type InjectionPoint,
  injectionPoints,
  requestWith,
} from "../../src/scan/checks/injection/points.js";
import {
  commandInjectionCheck,
  pathTraversalCheck,
  templateInjectionCheck,
} from "../../src/scan/checks/injection/provoke.js";
import { runScan } from "../../src/scan/engine.js";
import type { CheckContext, ScanOperation } from "../../src/scan/types.js";
import { catalog, findingsOf, listenLoopback, requestBodyOf, verdictOf } from "./scan-helpers.js";

/** One operation per input location, each read by a different kind of sink. */
const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "locations", version: "1" },
  paths: {
    "/items/{name}": {
      get: {
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "ok" } },
      },
    },
    "/greeting": {
      get: {
        parameters: [{ name: "q", in: "query", schema: { type: "string", example: "hello" } }],
        responses: { "200": { description: "ok" } },
      },
    },
    "/profile": {
      post: {
        requestBody: requestBodyOf({
          user: {
            type: "object",
            required: ["bio"],
            properties: { bio: { type: "string", example: "about me" } },
          },
        }),
        responses: { "200": { description: "ok" } },
      },
    },
    "/export": {
      post: {
        requestBody: requestBodyOf(
          { format: { type: "string", example: "csv" } },
          "application/x-www-form-urlencoded",
        ),
        responses: { "200": { description: "ok" } },
      },
    },
    "/report": {
      get: {
        parameters: [
          { name: "X-Tenant", in: "header", required: true, schema: { type: "string" } },
        ],
        responses: { "200": { description: "ok" } },
      },
    },
    "/prefs": {
      get: {
        parameters: [{ name: "theme", in: "cookie", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "ok" } },
      },
    },
  },
};

const PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";

/** What a template engine does with `{{a*b}}`, `${a*b}`... : the product. */
function evaluate(text: string): string {
  return text.replace(/(?:\{\{|\$\{|<%=|#\{)\s*(\d+)\*(\d+)\s*(?:\}\}|\}|%>)/g, (_m, a, b) =>
    String(Number(a) * Number(b)),
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
  });
}

/**
 * A stub whose every operation reads one input in one location. Vulnerable, each input reaches
 * a sink: SQL text (path), a template engine (query, cookie), a shell (JSON field at depth
 * two), the file system (form field), SQL again (header). Safe, each echoes the input as data.
 */
async function locationsApi(vulnerable: boolean) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const body = await readBody(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === "/openapi.json") return json(200, DOCUMENT);
    const items = /^\/items\/([^/]+)$/.exec(url.pathname);
    if (items && req.method === "GET") {
      const name = decodeURIComponent(items[1] ?? "");
      if (vulnerable && /'/.test(name))
        return json(500, { error: `SQLITE_ERROR: near "${name.slice(-3)}": syntax error` });
      return json(200, { name });
    }
    if (url.pathname === "/greeting" && req.method === "GET") {
      const q = url.searchParams.get("q") ?? "";
      return json(200, { greeting: vulnerable ? evaluate(q) : q });
    }
    if (url.pathname === "/profile" && req.method === "POST") {
      let bio = "";
      try {
        bio = String((JSON.parse(body) as { user?: { bio?: unknown } }).user?.bio ?? "");
      } catch {
        return json(400, { error: "bad json" });
      }
      const ran = vulnerable && /;id|\|id|\$\(id\)|`id`|&& id/.test(bio);
      return json(200, { saved: bio, ...(ran ? { log: "uid=1000(app) gid=1000(app)" } : {}) });
    }
    if (url.pathname === "/export" && req.method === "POST") {
      const format = new URLSearchParams(body).get("format") ?? "";
      const read = vulnerable && /etc\/passwd/.test(format);
      return json(200, { format, ...(read ? { preview: PASSWD } : {}) });
    }
    if (url.pathname === "/report" && req.method === "GET") {
      const tenant = String(req.headers["x-tenant"] ?? "");
      if (vulnerable && tenant.includes("'"))
        return json(500, { error: "You have an error in your SQL syntax near 'x'" });
      return json(200, { tenant });
    }
    if (url.pathname === "/prefs" && req.method === "GET") {
      const theme = /(?:^|;\s*)theme=([^;]*)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
      const value = decodeURIComponent(theme);
      return json(200, { theme: vulnerable ? evaluate(value) : value });
    }
    return json(404, { error: "not found" });
  });
  return listenLoopback(server);
}

const CHECKS = [
  sqlInjectionCheck,
  templateInjectionCheck,
  pathTraversalCheck,
  commandInjectionCheck,
];

async function scanLocations(vulnerable: boolean): Promise<Report> {
  const api = await locationsApi(vulnerable);
  try {
    return await runScan({ target: api.url, profile: "full" }, { catalog, checks: CHECKS });
  } finally {
    await api.close();
  }
}

describe("IN-04 probes reach every input location, both ways", () => {
  test("vulnerable: each location's sink is found, the finding names the location", async () => {
    const report = await scanLocations(true);
    const details = report.findings.map((f) => `${f.checkId}: ${f.detail}`);
    const expect = (check: string, where: RegExp) =>
      assert.ok(
        findingsOf(report, check).some((f) => where.test(f.detail)),
        `${check} ${where}: ${details.join("\n")}`,
      );
    expect("in-04-sql-injection", /path parameter "name" of GET \/items\/\{name\}/);
    expect("in-04-sql-injection", /header "X-Tenant" of GET \/report/);
    expect("in-04-template-injection", /query parameter "q" of GET \/greeting/);
    expect("in-04-template-injection", /cookie "theme" of GET \/prefs/);
    expect("in-04-command-injection", /JSON field "\/user\/bio" of POST \/profile/);
    expect("in-04-path-traversal", /form field "format" of POST \/export/);
    assert.equal(verdictOf(report, "IN-04").verdict, "fail");
    // Evidence quotes what was sent; no finding leaks past the body excerpt it rests on.
    for (const f of report.findings) assert.ok(f.evidence.request, f.id);
  });

  test("safe: the same inputs echoed as data give no finding, and every input counts as covered", async () => {
    const report = await scanLocations(false);
    assert.deepEqual(
      report.findings.map((f) => `${f.checkId}: ${f.title}`),
      [],
    );
    const item = report.items.find((i) => i.id === "IN-04");
    for (const id of CHECKS.map((c) => c.id)) {
      const entry = item?.coverage?.find((c) => c.check === id);
      assert.equal(entry?.status, "ran", id);
      assert.equal(entry?.probed, entry?.of, `${id}: ${JSON.stringify(entry)}`);
    }
    // Every input of the document was tried by every check of this scan: the pass is earned.
    assert.equal(verdictOf(report, "IN-04").verdict, "pass");
  });
});

describe("injection points and the requests that carry them", () => {
  const op: ScanOperation = {
    method: "POST",
    path: "/orgs/{org}/members",
    url: "http://127.0.0.1:9/api/orgs/acme/members?dry=1",
    server: "http://127.0.0.1:9/api",
    bodyTypes: ["application/json"],
    exampleBody: JSON.stringify({ member: { email: "a@example.test", tags: ["x"] }, note: 3 }),
    secured: false,
    queryParameters: ["dry"],
    parameters: [
      { name: "org", in: "path", required: true, value: "acme" },
      { name: "dry", in: "query", required: true, value: "1" },
      { name: "X-Trace", in: "header", required: false, value: "t1" },
      { name: "session", in: "cookie", required: false, value: "s1" },
      { name: "Authorization", in: "header", required: false, value: "x" },
    ],
  };
  const context = { target: { operations: [op] } } as unknown as CheckContext;
  const points = injectionPoints(context);
  const at = (where: InjectionPoint["where"], name: string) => {
    const point = points.find((p) => p.where === where && p.name === name);
    assert.ok(point, `${where} ${name} in ${JSON.stringify(points.map((p) => [p.where, p.name]))}`);
    return point;
  };

  test("every location is a point: path, query, JSON leaves at depth, header, cookie", () => {
    at("path", "org");
    at("query", "dry");
    at("body", "/member/email");
    at("body", "/member/tags/0");
    at("body", "/note");
    at("header", "X-Trace");
    at("cookie", "session");
    assert.equal(
      points.some((p) => p.name === "Authorization"),
      false,
      "the credentials header is never a point",
    );
  });

  test("a path value replaces only its segment, under the server prefix", () => {
    const request = requestWith(at("path", "org"), "a'b");
    assert.equal(request.url, "http://127.0.0.1:9/api/orgs/a'b/members?dry=1".replace("'", "'"));
    assert.match(String(request.url), /\/api\/orgs\/a'b\/members\?dry=1$/);
  });

  test("a JSON leaf is replaced at its pointer, the rest of the body kept", () => {
    const request = requestWith(at("body", "/member/email"), "x'");
    assert.deepEqual(JSON.parse(request.body ?? ""), {
      member: { email: "x'", tags: ["x"] },
      note: 3,
    });
  });

  test("headers and cookies carry the value; the other declared ones keep their examples", () => {
    const header = requestWith(at("header", "X-Trace"), "v\r\nInjected: 1");
    assert.equal(header.headers?.["X-Trace"], "v  Injected: 1", "no header splitting");
    assert.equal(header.headers?.cookie, "session=s1");
    const cookie = requestWith(at("cookie", "session"), "a;b");
    assert.equal(cookie.headers?.cookie, "session=a%3Bb");
    assert.equal(cookie.headers?.["X-Trace"], "t1");
  });
});
