import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { missingAuthCheck } from "../../src/scan/checks/access-control/missing-auth.js";
import { runScan } from "../../src/scan/engine.js";
import { findingsOf } from "./access-helpers.js";
import { countingServer } from "./scan-helpers.js";

/** A small API: GET /admin/stats and GET /api/profile, both documented as needing a bearer token. */
const DOCUMENT = {
  openapi: "3.1.0",
  info: { title: "stub", version: "1" },
  components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  security: [{ bearer: [] }],
  paths: {
    "/admin/stats": { get: { responses: { "200": { description: "stats" } } } },
    "/api/profile": { get: { responses: { "200": { description: "profile" } } } },
  },
};

/**
 * `verify`: true checks the token (only "user-token" and "admin-token" pass); false accepts any
 * bearer value. `adminOnly`: true refuses "user-token" on /admin.
 */
function stub(verify: boolean, adminOnly: boolean) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/openapi.json") return json(200, DOCUMENT);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const valid = token !== undefined && (!verify || ["user-token", "admin-token"].includes(token));
    if (!valid) return json(401, { title: "Unauthorized" });
    if (req.url === "/admin/stats") {
      if (adminOnly && token === "user-token") return json(403, { title: "Forbidden" });
      return json(200, { users: 3 });
    }
    if (req.url === "/api/profile") return json(200, { name: "user" });
    return json(404, { title: "Not Found" });
  };
}

function scan(url: string): Promise<Report> {
  return runScan(
    {
      target: url,
      openapi: `${url}/openapi.json`,
      config: {
        identities: [
          { name: "user", bearer: "user-token" },
          { name: "boss", bearer: "admin-token", admin: true },
        ],
      },
    },
    { catalog: loadCatalog(), checks: [missingAuthCheck] },
  );
}

describe("PROC-01 against an API that accepts any bearer token and lets users into /admin", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  let report: Report;
  before(async () => {
    server = await countingServer(stub(false, false));
    report = await scan(server.url);
  });
  after(() => server.close());

  test("a malformed token is accepted on a protected operation", () => {
    const found = findingsOf(report, "proc-01-missing-auth").filter(
      (f) => f.title === "Protected operation accepts a malformed token",
    );
    assert.deepEqual(found.map((f) => f.evidence.request).sort(), [
      "GET /admin/stats HTTP/1.1",
      "GET /api/profile HTTP/1.1",
    ]);
  });

  test("an ordinary user reaches the admin area (BFLA)", () => {
    const found = findingsOf(report, "proc-01-missing-auth").find(
      (f) => f.title === "Admin operation answers an ordinary user",
    );
    assert.equal(found?.evidence.request, "GET /admin/stats HTTP/1.1");
    assert.match(found?.detail ?? "", /identity "user"/);
  });
});

describe("PROC-01 against an API that verifies tokens and roles", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  before(async () => {
    server = await countingServer(stub(true, true));
  });
  after(() => server.close());

  test("silent", async () => {
    const report = await scan(server.url);
    assert.deepEqual(report.findings, []);
  });
});
