import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UNLISTED_PRODUCT } from "../../demo/search/catalog.js";
import { demoPool, type RawResponse, send } from "../helpers/demo-client.js";

/** One demo per flaw selection, shared by the tests of this file. */
const demo = demoPool();

async function products(flaws: string, search: string): Promise<RawResponse> {
  const api = await demo(flaws);
  return send(`${api.url}/api/products?search=${encodeURIComponent(search)}`);
}

function names(res: RawResponse): string[] {
  return res.json().items.map((p: { name: string }) => p.name);
}

describe("sql-injection (IN-04)", () => {
  test("a plain search finds the listed products only", async () => {
    for (const flaws of ["none", "sql-injection"]) {
      const res = await products(flaws, "widget");
      assert.equal(res.status, 200);
      assert.deepEqual(names(res), ["Blue widget", "Red widget"]);
    }
  });

  test("sql-injection on: a single quote -> 500 with SQLite's own error message", async () => {
    const res = await products("sql-injection", "'");
    assert.equal(res.status, 500);
    assert.match(res.json().detail, /SQLITE_ERROR: unrecognized token/);
  });

  test("sql-injection on: ' OR '1'='1 returns every row, the unlisted product included", async () => {
    const res = await products("sql-injection", "' OR '1'='1");
    assert.equal(res.status, 200);
    assert.ok(names(res).includes(UNLISTED_PRODUCT));
    assert.equal(names(res).length, 8);
  });

  test("sql-injection on: UNION SELECT reads what the query never meant to (sqlite_version())", async () => {
    const res = await products("sql-injection", "zzz' UNION SELECT 0, sqlite_version(), 0 --");
    assert.equal(res.status, 200);
    assert.match(names(res)[0] ?? "", /^3\.\d+\.\d+$/);
  });

  test("sql-injection on: stacked statements do not run (the catalog survives a DROP)", async () => {
    await products("sql-injection", "'; DROP TABLE products; --");
    assert.equal(names(await products("sql-injection", "widget")).length, 2);
  });

  test("sql-injection off: quotes are data: no error, nothing leaked, the unlisted product stays hidden", async () => {
    for (const term of [
      "'",
      "' OR '1'='1",
      "%",
      "_",
      "zzz' UNION SELECT 0, sqlite_version(), 0 --",
    ]) {
      const res = await products("none", term);
      assert.equal(res.status, 200, term);
      assert.deepEqual(names(res), [], term);
      assert.ok(!res.body.includes("SQLITE"));
    }
  });

  test("sql-injection off: an overlong term -> 400", async () => {
    assert.equal((await products("none", "x".repeat(101))).status, 400);
  });
});

describe("reflected-xss (IN-04)", () => {
  const payload = '"><script>alert(1)</script>';

  async function page(flaws: string, q: string): Promise<RawResponse> {
    const api = await demo(flaws);
    return send(`${api.url}/search?q=${encodeURIComponent(q)}`, {
      headers: { Accept: "text/html" },
    });
  }

  test("the search page is HTML with the results", async () => {
    const res = await page("none", "gear");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.match(res.body, /<li>Gear set: 24\.00 EUR<\/li>/);
  });

  test("reflected-xss on: the query is echoed raw into the page (script runs)", async () => {
    const res = await page("reflected-xss", payload);
    assert.equal(res.status, 200);
    assert.ok(res.body.includes(`<q>${payload}</q>`));
    assert.ok(res.body.includes(`value="${payload}"`));
  });

  test("reflected-xss off: the query is HTML-escaped, and a CSP is sent anyway", async () => {
    const res = await page("none", payload);
    assert.ok(!res.body.includes("<script>alert(1)"));
    assert.ok(res.body.includes("&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/);
  });
});
