import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BODY_LIMIT_BYTES } from "../../demo/http/body.js";
import { bearer, demoPool, login, send } from "../helpers/demo-client.js";

/** One demo per flaw selection, shared by the tests of this file. */
const demo = demoPool();

// The lists paged like GET /api/orders, and who may read them in the hardened demo.
const LISTS: [path: string, user: "alice" | "carol" | undefined][] = [
  ["/api/users", "alice"],
  ["/admin/users", "carol"],
  ["/api/products", undefined],
];

async function list(flaws: string, path: string, user: "alice" | "carol" | undefined) {
  const api = await demo(flaws);
  const headers = user ? bearer(await login(api, user)) : {};
  return send(`${api.url}${path}`, { headers });
}

describe("paged lists (EXT-06): users, admin users, products", () => {
  for (const [path, user] of LISTS) {
    test(`unbounded-input off: GET ${path}?limit=101 -> 400 naming limit; 100 is served`, async () => {
      const over = await list("none", `${path}?limit=101`, user);
      assert.equal(over.status, 400);
      assert.equal(over.headers["content-type"], "application/problem+json");
      assert.deepEqual(
        over.json().errors.map((e: { parameter: string }) => e.parameter),
        ["limit"],
      );
      const max = await list("none", `${path}?limit=100`, user);
      assert.equal(max.status, 200);
      assert.equal(max.json().limit, 100);
    });

    test(`unbounded-input on: GET ${path}?limit=100000 is served`, async () => {
      const res = await list("unbounded-input", `${path}?limit=100000`, user);
      assert.equal(res.status, 200);
      assert.equal(res.json().limit, 100000);
    });

    test(`GET ${path}: malformed paging -> 400, in both modes`, async () => {
      for (const flaws of ["none", "unbounded-input"])
        for (const bad of ["limit=abc", "limit=0", "offset=-1", "offset=x"]) {
          const res = await list(flaws, `${path}?${bad}`, user);
          assert.equal(res.status, 400, `${flaws} ${bad}`);
        }
    });
  }

  test("GET /api/users pages like the orders: items, total, limit, offset (default 20)", async () => {
    const all = (await list("none", "/api/users", "alice")).json();
    assert.deepEqual([all.items.length, all.total, all.limit, all.offset], [3, 3, 20, 0]);
    const page = (await list("none", "/api/users?limit=1&offset=1", "alice")).json();
    assert.deepEqual(
      page.items.map((u: { username: string }) => u.username),
      ["bob"],
    );
    assert.deepEqual([page.total, page.limit, page.offset], [3, 1, 1]);
  });

  test("GET /admin/users pages too, keeping the admin view", async () => {
    const page = (await list("none", "/admin/users?limit=2&offset=2", "carol")).json();
    assert.deepEqual(
      page.items.map((u: { username: string; disabled: boolean }) => [u.username, u.disabled]),
      [["carol", false]],
    );
    assert.equal(page.total, 3);
  });

  test("GET /api/products pages the matches, with or without sql-injection", async () => {
    for (const flaws of ["none", "sql-injection"]) {
      const res = await list(flaws, "/api/products?search=widget&limit=1&offset=1", undefined);
      assert.equal(res.status, 200, flaws);
      const page = res.json();
      assert.deepEqual(
        page.items.map((p: { name: string }) => p.name),
        ["Red widget"],
      );
      assert.deepEqual([page.total, page.limit, page.offset], [2, 1, 1]);
    }
  });
});

describe("the demo's OpenAPI document matches the routes", () => {
  const documentOf = async (flaws: string) =>
    (await send(`${(await demo(flaws)).url}/openapi.json`)).json();

  test("the paged lists document limit (capped unless unbounded-input) and offset", async () => {
    const [hardened, flawed] = await Promise.all([
      documentOf("none"),
      documentOf("unbounded-input"),
    ]);
    for (const [path] of LISTS) {
      const names = (doc: typeof hardened) =>
        doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
      const limitOf = (doc: typeof hardened) =>
        doc.paths[path].get.parameters.find((p: { name: string }) => p.name === "limit").schema;
      assert.ok(names(hardened).includes("offset"), path);
      assert.deepEqual(limitOf(hardened), {
        type: "integer",
        minimum: 1,
        default: 20,
        maximum: 100,
      });
      assert.equal(limitOf(flawed).maximum, undefined, path);
      assert.ok(hardened.paths[path].get.responses["400"], path);
    }
  });

  test("the upload's file field is bounded by the body limit, unless unbounded-input", async () => {
    const fileOf = async (flaws: string) =>
      (await documentOf(flaws)).paths["/api/files"].post.requestBody.content["multipart/form-data"]
        .schema.properties.file;
    assert.equal((await fileOf("none")).maxLength, BODY_LIMIT_BYTES);
    assert.equal((await fileOf("unbounded-input")).maxLength, undefined);
  });

  test("intentionally public operations say why; the flawed exposures do not", async () => {
    for (const flaws of ["none", "all"]) {
      const doc = await documentOf(flaws);
      for (const path of ["/health", "/auth/login", "/oauth/token", "/.well-known/jwks.json"]) {
        const op = Object.values(doc.paths[path])[0] as Record<string, unknown>;
        assert.equal(typeof op["x-rampart-public"], "string", `${flaws} ${path}`);
      }
      assert.equal(doc.paths["/api/products"].get["x-rampart-public"] !== undefined, true);
    }
    const flawed = await documentOf("unauthenticated-endpoint,admin-exposed");
    for (const path of ["/api/users", "/admin/users", "/admin/stats"]) {
      assert.deepEqual(flawed.paths[path].get.security, [], path);
      assert.equal(flawed.paths[path].get["x-rampart-public"], undefined, path);
    }
  });
});
