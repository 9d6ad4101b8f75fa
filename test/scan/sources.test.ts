import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { sqlInjectionCheck } from "../../src/scan/checks/injection/index.js";
import { runScan } from "../../src/scan/engine.js";
import { crawl } from "../../src/scan/sources/crawl.js";
import { harOperations } from "../../src/scan/sources/har.js";
import { postmanOperations } from "../../src/scan/sources/postman.js";
import type { Exchange, ScanHttp } from "../../src/scan/types.js";
import { catalog, findingsOf, listenLoopback, verdictOf } from "./scan-helpers.js";

const SERVER = "http://127.0.0.1:8080";

/** A page the crawl reads, as an exchange. */
const page = (body: string, type = "text/html"): Exchange => ({
  method: "GET",
  url: `${SERVER}/`,
  requestHeaders: {},
  status: 200,
  headers: { "content-type": type },
  setCookies: [],
  body,
  truncated: false,
});

const COLLECTION = {
  info: {
    name: "shop",
    schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
  },
  item: [
    {
      name: "users",
      item: [
        {
          name: "one user",
          request: {
            method: "GET",
            header: [
              { key: "Authorization-Token", value: "{{token}}" },
              { key: "X-Tenant", value: "acme" },
            ],
            url: {
              raw: "http://{{host}}/api/users/{{user_id}}?expand=orders",
              host: ["{{host}}"],
              path: ["api", "users", "{{user_id}}"],
              query: [{ key: "expand", value: "orders" }],
            },
          },
        },
        {
          name: "create",
          request: {
            method: "POST",
            url: "{{host}}/api/users",
            body: { mode: "raw", raw: '{"name": "{{name}}", "age": {{age}}}' },
          },
        },
      ],
    },
    {
      name: "login",
      request: {
        method: "POST",
        url: { raw: "{{host}}/login", path: ["login"] },
        body: {
          mode: "urlencoded",
          urlencoded: [
            { key: "user", value: "a" },
            { key: "pass", value: "b" },
          ],
        },
      },
    },
    { name: "by id", request: { method: "DELETE", url: { path: ["api", "orders", ":orderId"] } } },
  ],
};

describe("operations beyond the API description", () => {
  test("postman: folders, {{variables}} and :params as path parameters, query, headers, bodies", () => {
    const ops = postmanOperations(JSON.stringify(COLLECTION), SERVER);
    const byKey = new Map(ops.map((o) => [`${o.method} ${o.path}`, o]));
    assert.deepEqual(
      [...byKey.keys()],
      [
        "GET /api/users/{user_id}",
        "POST /api/users",
        "POST /login",
        "DELETE /api/orders/{orderId}",
      ],
    );
    const one = byKey.get("GET /api/users/{user_id}");
    assert.equal(one?.url, `${SERVER}/api/users/1?expand=orders`);
    assert.equal(one?.source, "postman");
    assert.deepEqual(
      one?.parameters.map((p) => `${p.in}:${p.name}`),
      ["path:user_id", "query:expand", "header:X-Tenant"],
      "the credential header is the scan's, not a parameter",
    );
    assert.deepEqual(JSON.parse(byKey.get("POST /api/users")?.exampleBody ?? ""), {
      name: "rampart",
      age: 1,
    });
    assert.deepEqual(byKey.get("POST /login")?.exampleForm, { user: "a", pass: "b" });
  });

  test("postman: a file that is not a collection is a usage error", () => {
    for (const text of ["not json", '{"info":{}}'])
      assert.throws(
        () => postmanOperations(text, SERVER),
        (e: unknown) =>
          e instanceof RampartError && e.code === "ERR_USAGE" && /--postman/.test(e.message),
      );
  });

  test("har: in-scope entries only, identifiers as parameters, one operation per template", () => {
    const entry = (method: string, url: string, postData?: object) => ({
      request: {
        method,
        url,
        headers: [{ name: "X-Trace", value: "t" }],
        cookies: [],
        ...(postData ? { postData } : {}),
      },
    });
    const har = {
      log: {
        entries: [
          entry("GET", `${SERVER}/api/orders/1042?full=1`),
          entry("GET", `${SERVER}/api/orders/1043`),
          entry("POST", `${SERVER}/api/orders`, {
            mimeType: "application/json",
            text: '{"item":"x"}',
          }),
          entry("GET", "https://cdn.example.test/app.js"),
        ],
      },
    };
    const ops = harOperations(JSON.stringify(har), (url) => url.origin === SERVER);
    assert.deepEqual(
      ops.map((o) => `${o.method} ${o.path}`),
      ["GET /api/orders/{id}", "POST /api/orders"],
    );
    assert.equal(
      ops[0]?.url,
      `${SERVER}/api/orders/1042?full=1`,
      "the recorded value is the example",
    );
    assert.equal(ops[1]?.exampleBody, '{"item":"x"}');
    assert.throws(() => harOperations("{}", () => true), /--har/);
  });

  test("crawl: links, forms (recorded, never sent), script paths; logout never followed", async () => {
    const requested: string[] = [];
    const pages: Record<string, Exchange> = {
      "/app/products": page(
        '<a href="/app/products?id=7">a product</a><form method="post" action="/app/search"><input name="q" value=""><input type="submit" value="go"></form>',
      ),
      "/static/app.js": page(
        'fetch("/api/v1/orders/"+id); const u = "/api/v1/users/:id";',
        "application/javascript",
      ),
      // A path named in a page's text (documentation, help) is followed too.
      "/app/products?id=7": page("<p>one; exports at /api/v1/reports.</p>"),
      "/api/v1/users/{id}": page('{"next":"/api/v1/users?page=2"}', "application/json"),
      "/api/v1/users?page=2": page("[]", "application/json"),
    };
    const http = {
      inScope: (url: string | URL) => new URL(url, SERVER).origin === SERVER,
      trySend: async (req: { url: string | URL }) => {
        const url = new URL(req.url, SERVER);
        const key = decodeURIComponent(url.pathname + url.search);
        requested.push(key);
        const found = pages[key];
        return found
          ? { ...found, url: url.href }
          : { ...page("", "text/plain"), status: 404, url: url.href };
      },
    } as unknown as ScanHttp;
    // A javascript: action and a form posting to another origin: neither is the API's (the
    // javascript: one once crashed the scan with "Invalid URL").
    const root = page(
      '<a href="/app/products">products</a><a href="/app/logout">log out</a><a href="mailto:x@y">m</a><script src="/static/app.js"></script>' +
        '<form action="javascript:void(0)"><input name="a"></form><form method="post" action="https://elsewhere.example.test/collect"><input name="b"></form>',
    );
    const { operations } = await crawl(http, [root]);
    const keys = operations.map((o) => `${o.method} ${o.path}`).sort();
    assert.deepEqual(keys, [
      "GET /api/v1/orders/",
      "GET /api/v1/reports",
      "GET /api/v1/users",
      "GET /api/v1/users/{id}",
      "GET /app/products",
      "POST /app/search",
    ]);
    assert.deepEqual(operations.find((o) => o.path === "/app/search")?.exampleForm, {
      q: "rampart",
    });
    assert.deepEqual(operations.find((o) => o.path === "/app/products")?.queryParameters, []);
    assert.ok(!requested.some((r) => /logout/.test(r)), requested.join(" "));
    assert.ok(
      !requested.includes("/app/search"),
      "forms are recorded, never submitted by the crawl",
    );
    assert.ok(operations.every((o) => o.source === "crawl"));
  });

  test("crawl: endpoints a documentation page names in its text or its inline scripts, with placeholders and example bodies", async () => {
    const requested: string[] = [];
    const doc = [
      "<h3>Challenge</h3><p>GET method <code>http://127.0.0.1:8080/api/v1/books/&lt;ISBN&gt;/</code></p>",
      "<pre><b>POST</b> http://127.0.0.1:8080/api/v1/activities/</pre><b>POST:</b>",
      "<pre>{\n  &quot;month&quot;: &lt;month&#40;string&#41;&gt;,\n}</pre>",
      "<p>DELETE /api/v1/articles/:articleId/ removes one; PUT {base}/api/v1/notes/{note-id}</p>",
      "<p>Send GET https://elsewhere.example.test/api/collect and GET /api/v1/status too.</p>",
      "<p>Authorization : Bearer &lt; token_received &gt;</p>",
      '<script>var x = new XMLHttpRequest(); x.open("GET", "/api/v1/admin/usersapi", true);</script>',
    ].join("");
    const pages: Record<string, Exchange> = { "/api/v1/status": page("{}", "application/json") };
    const http = {
      inScope: (url: string | URL) => new URL(url, SERVER).origin === SERVER,
      trySend: async (req: { url: string | URL }) => {
        const url = new URL(req.url, SERVER);
        requested.push(url.pathname);
        return pages[url.pathname]
          ? { ...pages[url.pathname], url: url.href }
          : { ...page("", "text/plain"), status: 404, url: url.href };
      },
    } as unknown as ScanHttp;
    const { operations } = await crawl(http, [page(doc)]);
    assert.deepEqual(operations.map((o) => `${o.method} ${o.path}`).sort(), [
      "DELETE /api/v1/articles/{articleId}/",
      "GET /api/v1/admin/usersapi",
      "GET /api/v1/books/{ISBN}/",
      "GET /api/v1/status",
      "POST /api/v1/activities/",
    ]);
    const activities = operations.find((o) => o.path === "/api/v1/activities/");
    assert.deepEqual(JSON.parse(activities?.exampleBody ?? "null"), { month: "1" });
    assert.deepEqual(activities?.bodyTypes, ["application/json"]);
    assert.equal(
      operations.find((o) => o.method === "GET" && o.path.includes("books"))?.url,
      `${SERVER}/api/v1/books/1/`,
    );
    assert.ok(
      !requested.some((r) => r.includes("books")),
      "templated reads are recorded, not fetched",
    );
  });

  test("crawl: a documented placeholder takes the sample value its page lists, before or after it", async () => {
    const doc = [
      "<h3>IDOR</h3><p>The exam ids of batman: <b>MQ==</b> <b>Mg==</b></p>",
      "<p>GET method http://127.0.0.1:8080/api/v1/exams/&lt;exam_id&gt;/ (authentication required)</p>",
      "<h3>Access control</h3><p>GET method http://127.0.0.1:8080/api/v1/articles/&lt;article-id&gt;/</p>",
      "<table><tr><th>ID</th><th>Title</th></tr><tr><td>2</td><td>gotham</td></tr></table>",
      "<p>GET /api/v1/tags/{tag}/ lists the articles of a tag.</p>",
    ].join("");
    const http = {
      inScope: (url: string | URL) => new URL(url, SERVER).origin === SERVER,
      trySend: async (req: { url: string | URL }) => ({
        ...page("", "text/plain"),
        status: 404,
        url: new URL(req.url, SERVER).href,
      }),
    } as unknown as ScanHttp;
    const { operations } = await crawl(http, [page(doc)]);
    const urlOf = (path: string) => operations.find((o) => o.path === path)?.url;
    assert.equal(urlOf("/api/v1/exams/{exam_id}/"), `${SERVER}/api/v1/exams/MQ%3D%3D/`);
    assert.equal(urlOf("/api/v1/articles/{article_id}/"), `${SERVER}/api/v1/articles/2/`);
    // No sample anywhere near it: the default value.
    assert.equal(urlOf("/api/v1/tags/{tag}/"), `${SERVER}/api/v1/tags/1/`);
  });
});

describe("a scan with a Postman collection and no API description", () => {
  /** One operation, known only from the collection: its id goes into SQL text. */
  async function api() {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const m = /^\/api\/items\/([^/]+)$/.exec(url.pathname);
      res.setHeader("content-type", "application/json");
      if (!m) {
        res.statusCode = 404;
        return res.end('{"error":"not found"}');
      }
      const id = decodeURIComponent(m[1] ?? "");
      if (id.includes("'")) {
        res.statusCode = 500;
        return res.end(`{"error":"SQLITE_ERROR: near \\"'\\": syntax error"}`);
      }
      res.end(JSON.stringify({ id, name: "widget" }));
    });
    return listenLoopback(server);
  }

  test("the collection's operation is probed: found with it, not tested without it", async () => {
    const target = await api();
    const dir = mkdtempSync(join(tmpdir(), "rampart-postman-"));
    const file = join(dir, "items.postman_collection.json");
    writeFileSync(
      file,
      JSON.stringify({
        info: { name: "items" },
        item: [
          { name: "one", request: { method: "GET", url: { path: ["api", "items", ":itemId"] } } },
        ],
      }),
    );
    try {
      const withIt = await runScan(
        { target: target.url, profile: "full", postman: file },
        { catalog, checks: [sqlInjectionCheck] },
      );
      assert.match(
        findingsOf(withIt, "in-04-sql-injection")[0]?.detail ?? "",
        /path parameter "itemId"/,
      );
      const without = await runScan(
        { target: target.url, profile: "full" },
        { catalog, checks: [sqlInjectionCheck] },
      );
      assert.equal(verdictOf(without, "IN-04").verdict, "not_tested");
    } finally {
      await target.close();
    }
  });

  test("without an API description a clean collection gives partial, never pass", async () => {
    const target = await api();
    const dir = mkdtempSync(join(tmpdir(), "rampart-postman-"));
    const file = join(dir, "c.json");
    writeFileSync(
      file,
      JSON.stringify({
        item: [
          {
            request: {
              method: "GET",
              url: { path: ["api", "items", "list"], query: [{ key: "q", value: "w" }] },
            },
          },
        ],
      }),
    );
    try {
      const report = await runScan(
        { target: target.url, profile: "full", postman: file },
        { catalog, checks: [sqlInjectionCheck] },
      );
      const { verdict, reason } = verdictOf(report, "IN-04");
      assert.equal(verdict, "partial");
      assert.match(reason ?? "", /no API description/);
    } finally {
      await target.close();
    }
  });
});
