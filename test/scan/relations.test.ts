import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { relationWriteCheck } from "../../src/scan/checks/access-control/relations.js";
import { runScan } from "../../src/scan/engine.js";
import { findingsOf } from "./access-helpers.js";
import { countingServer } from "./scan-helpers.js";

/**
 * A RealWorld-shaped API (profiles by user name, `POST` / `DELETE /profiles/{username}/follow`,
 * `GET /user` for the caller's own record) whose follow store is one of three kinds:
 * - `right`: A's follow of B is stored as "A follows B";
 * - `swapped`: stored as "B follows A" (the columns swapped in the insert);
 * - `mutual`: a friendship, both sides see it.
 */
type Store = "right" | "swapped" | "mutual";

const DOCUMENT = {
  openapi: "3.1.0",
  info: { title: "conduit-like", version: "1" },
  components: {
    securitySchemes: { token: { type: "apiKey", in: "header", name: "authorization" } },
  },
  security: [{ token: [] }],
  paths: {
    "/user": { get: { responses: { "200": { description: "" } } } },
    "/profiles/{username}": {
      get: {
        parameters: [{ name: "username", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "" } },
      },
    },
    "/profiles/{username}/follow": {
      post: {
        parameters: [{ name: "username", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "" } },
      },
      delete: {
        parameters: [{ name: "username", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "" } },
      },
    },
  },
};

const USERS: Readonly<Record<string, string>> = { "token-ann": "ann", "token-ben": "ben" };

function stub(store: Store) {
  /** "x>y": x follows y. */
  const follows = new Set<string>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/openapi.json") return json(200, DOCUMENT);
    const me = USERS[String(req.headers.authorization ?? "").replace(/^Token /, "")];
    if (!me) return json(401, { errors: { body: ["unauthorized"] } });
    if (path === "/user") return json(200, { user: { username: me, email: `${me}@example.test` } });
    const profile = /^\/profiles\/([^/]+)(\/follow)?$/.exec(path);
    const other = profile?.[1] ? decodeURIComponent(profile[1]) : undefined;
    if (!other || !Object.values(USERS).includes(other)) return json(404, { errors: {} });
    const view = () =>
      json(200, {
        profile: { username: other, bio: null, following: follows.has(`${me}>${other}`) },
      });
    if (!profile?.[2] && req.method === "GET") return view();
    if (!profile?.[2]) return json(405, {});
    const edges =
      store === "right"
        ? [`${me}>${other}`]
        : store === "swapped"
          ? [`${other}>${me}`]
          : [`${me}>${other}`, `${other}>${me}`];
    for (const edge of edges) req.method === "DELETE" ? follows.delete(edge) : follows.add(edge);
    return view();
  };
  return { handler, follows };
}

function scan(url: string): Promise<Report> {
  return runScan(
    {
      target: url,
      openapi: `${url}/openapi.json`,
      profile: "full",
      config: {
        identities: [
          { name: "ann", headers: { authorization: "Token token-ann" } },
          { name: "ben", headers: { authorization: "Token token-ben" } },
        ],
      },
    },
    { catalog: loadCatalog(), checks: [relationWriteCheck] },
  );
}

describe("PROC-02 on a follow relation stored with its columns swapped (RealWorld fastify shape)", () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  let follows: Set<string>;
  let report: Report;
  before(async () => {
    const api = stub("swapped");
    follows = api.follows;
    server = await countingServer(api.handler);
    report = await scan(server.url);
  });
  after(() => server.close());

  test("ann's follow of ben shows on ben's side only: found, naming the flag that flipped", () => {
    const [finding] = findingsOf(report, "proc-02-relation-write");
    assert.equal(finding?.title, "A relation one user makes is recorded on the other user's side");
    assert.match(
      finding?.detail ?? "",
      /what "ben" reads of "ann" did \(profile\.following flipped\)/,
    );
    assert.equal(finding?.evidence.request, "GET /profiles/ann HTTP/1.1");
  });

  test("the relation is undone afterwards", () => {
    assert.deepEqual([...follows], []);
  });
});

for (const store of ["right", "mutual"] as const) {
  describe(`PROC-02 on a follow relation stored ${store === "right" ? "the right way round" : "as a mutual friendship"}`, () => {
    let server: Awaited<ReturnType<typeof countingServer>>;
    let follows: Set<string>;
    before(async () => {
      const api = stub(store);
      follows = api.follows;
      server = await countingServer(api.handler);
    });
    after(() => server.close());

    test("silent, the relation tried and undone", async () => {
      const report = await scan(server.url);
      assert.deepEqual(findingsOf(report, "proc-02-relation-write"), []);
      const run = report.checks.find((c) => c.id === "proc-02-relation-write");
      assert.equal(run?.status, "ran");
      assert.deepEqual([...follows], []);
    });
  });
}
