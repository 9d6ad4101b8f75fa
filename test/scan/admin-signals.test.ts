import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { missingAuthCheck } from "../../src/scan/checks/access-control/missing-auth.js";
import { runScan } from "../../src/scan/engine.js";
import { buildVocabulary } from "../../src/vocabulary/vocabulary.js";
import { findingsOf } from "./access-helpers.js";
import { countingServer } from "./scan-helpers.js";

/**
 * An API whose administrative operations are not under /admin: the document says which ones
 * they are by a tag or by an OAuth scope (issue 14, item 3). Paths carry no admin word.
 */
const DOCUMENT = {
  openapi: "3.1.0",
  info: { title: "stub", version: "1" },
  components: {
    securitySchemes: {
      oauth: {
        type: "oauth2",
        flows: {
          clientCredentials: {
            tokenUrl: "/token",
            scopes: {
              "admin:metrics": "",
              "admin:orders": "",
              "read:orders": "",
              "users.administration": "",
            },
          },
        },
      },
    },
  },
  paths: {
    "/reports/export": {
      get: {
        tags: ["Administration"],
        security: [{ oauth: [] }],
        responses: { "200": { description: "" } },
      },
    },
    "/profile": {
      get: {
        tags: ["Profile Management"],
        security: [{ oauth: [] }],
        responses: { "200": { description: "" } },
      },
    },
    "/metrics/usage": {
      get: { security: [{ oauth: ["admin:metrics"] }], responses: { "200": { description: "" } } },
    },
    "/orders": {
      get: {
        security: [{ oauth: ["admin:orders"] }, { oauth: ["read:orders"] }],
        responses: { "200": { description: "" } },
      },
    },
    "/accounts/all": {
      get: {
        security: [{ oauth: ["users.administration"] }],
        responses: { "200": { description: "" } },
      },
    },
  },
};

/** Which administrative paths the stub keeps from "user-token", and whether a role header opens them. */
interface Flaws {
  /** Admin operations served to an ordinary user. */
  readonly open: readonly string[];
  /** Admin operations that refuse an ordinary user unless it sends `IsAdmin: true`. */
  readonly roleHeader: readonly string[];
}

const ADMIN_ONLY = ["/reports/export", "/metrics/usage", "/accounts/all"];

function stub(flaws: Flaws) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/openapi.json") return json(200, DOCUMENT);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (token !== "user-token" && token !== "admin-token")
      return json(401, { title: "Unauthorized" });
    const claimsAdmin = req.headers.isadmin === "true";
    if (ADMIN_ONLY.includes(path) && token === "user-token") {
      const opened = flaws.open.includes(path) || (flaws.roleHeader.includes(path) && claimsAdmin);
      if (!opened) return json(403, { title: "Forbidden" });
    }
    if (path === "/profile") return json(200, { name: "user", email: "user@example.test" });
    if (path === "/orders") return json(200, [{ order: 1, total: 12 }]);
    if (ADMIN_ONLY.includes(path)) return json(200, { rows: [{ user: "ann", spent: 120 }] });
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

const titled = (report: Report, title: string) =>
  findingsOf(report, "proc-01-missing-auth")
    .filter((f) => f.title === title)
    .map((f) => f.evidence.request)
    .sort();

describe("PROC-01: operations the document calls administrative by tag or scope", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  let report: Report;
  before(async () => {
    server = await countingServer(
      stub({ open: ["/reports/export", "/metrics/usage"], roleHeader: ["/accounts/all"] }),
    );
    report = await scan(server.url);
  });
  after(() => server.close());

  test("an ordinary user reads an operation tagged Administration and one asking an admin scope", () => {
    assert.deepEqual(titled(report, "Admin operation answers an ordinary user"), [
      "GET /metrics/usage HTTP/1.1",
      "GET /reports/export HTTP/1.1",
    ]);
    const tagged = findingsOf(report, "proc-01-missing-auth").find((f) =>
      (f.evidence.request ?? "").includes("/reports/export"),
    );
    assert.match(tagged?.detail ?? "", /is tagged "Administration" \(administrative\)/);
    const scoped = findingsOf(report, "proc-01-missing-auth").find((f) =>
      (f.evidence.request ?? "").includes("/metrics/usage"),
    );
    assert.match(scoped?.detail ?? "", /asks the administrative scope "admin:metrics"/);
  });

  test("a role claimed in an IsAdmin request header opens an admin operation", () => {
    assert.deepEqual(
      titled(report, "Admin operation opens to a role claimed in a request header"),
      ["GET /accounts/all HTTP/1.1"],
    );
  });

  test("a 'Profile Management' tag and a scope with an ordinary alternative are not administrative", () => {
    const requests = findingsOf(report, "proc-01-missing-auth").map((f) => f.evidence.request);
    assert.ok(
      !requests.some((r) => (r ?? "").includes("/profile") || (r ?? "").includes("/orders")),
      requests.join("\n"),
    );
  });
});

describe("PROC-01 by tag and scope against an API that checks roles server-side", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  before(async () => {
    server = await countingServer(stub({ open: [], roleHeader: [] }));
  });
  after(() => server.close());

  test("silent", async () => {
    const report = await scan(server.url);
    assert.deepEqual(findingsOf(report, "proc-01-missing-auth"), []);
  });
});

describe("vocabulary.isAdminLabel", () => {
  const vocabulary = buildVocabulary({ adminSegments: ["backstage"] });

  test("tags and scopes that name an administrative area", () => {
    for (const label of [
      "Admin",
      "admin:org",
      "UserAdministration",
      "users.administration",
      "Internal",
      "Backstage",
    ])
      assert.equal(vocabulary.isAdminLabel(label), true, label);
  });

  test("labels whose admin-like word names ordinary things", () => {
    for (const label of [
      "Profile Management",
      "manage:own",
      "Console",
      "debug",
      "read:user",
      "Adminer",
    ])
      assert.equal(vocabulary.isAdminLabel(label), false, label);
  });
});
