import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { bolaWriteCheck } from "../../src/scan/checks/access-control/bola.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, requestBodyOf } from "./scan-helpers.js";

/** How the stub treats a write by someone who is not the article's author. */
type Owner = "ignored" | "silently-refused" | "enforced";

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "articles", version: "1" },
  components: {
    securitySchemes: { token: { type: "http", scheme: "bearer" } },
    schemas: {
      Article: {
        type: "object",
        required: ["title", "body"],
        properties: {
          title: { type: "string" },
          body: { type: "string" },
          tagList: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
  security: [{ token: [] }],
  paths: {
    "/api/articles": {
      get: { responses: { "200": { description: "ok" } } },
      post: {
        requestBody: requestBodyOf({ article: { $ref: "#/components/schemas/Article" } }),
        responses: { "201": { description: "created" } },
      },
    },
    "/api/articles/{slug}": {
      parameters: [{ name: "slug", in: "path", required: true, schema: { type: "string" } }],
      get: { responses: { "200": { description: "ok" } } },
      put: {
        requestBody: requestBodyOf({ article: { $ref: "#/components/schemas/Article" } }),
        responses: { "200": { description: "ok" } },
      },
      delete: { responses: { "204": { description: "deleted" } } },
    },
    // Nested, and its items are only ever deleted: no GET of one comment.
    "/api/articles/{slug}/comments": {
      parameters: [{ name: "slug", in: "path", required: true, schema: { type: "string" } }],
      get: { responses: { "200": { description: "ok" } } },
      post: {
        requestBody: requestBodyOf({
          comment: { type: "object", required: ["body"], properties: { body: { type: "string" } } },
        }),
        responses: { "201": { description: "created" } },
      },
    },
    "/api/articles/{slug}/comments/{id}": {
      parameters: [
        { name: "slug", in: "path", required: true, schema: { type: "string" } },
        { name: "id", in: "path", required: true, schema: { type: "integer" } },
      ],
      delete: { responses: { "204": { description: "deleted" } } },
    },
  },
};

/**
 * A RealWorld-shaped API: objects wrapped in `{"article": ...}`, addressed by a slug, not an id.
 * `owner` says what a write by another user does.
 */
async function articlesApi(owner: Owner) {
  // Bob's article already holds the title of the document's example.
  const articles = new Map([
    ["note-0", { slug: "note-0", title: "example", body: "bob's", author: "bob" }],
  ]);
  let next = 1;
  const comments = new Map<number, { id: number; body: string; author: string }>();
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/openapi.json") return send(200, DOCUMENT);
      const user = { "Bearer alice-token": "alice", "Bearer bob-token": "bob" }[
        req.headers.authorization ?? ""
      ];
      if (!user) return send(401, { errors: { body: ["unauthorized"] } });
      let input: {
        article?: { title?: unknown; body?: unknown; tagList?: unknown };
        comment?: { body?: unknown };
      } = {};
      try {
        input = JSON.parse(raw || "{}");
      } catch {
        return send(400, { errors: { body: ["malformed"] } });
      }
      if (path === "/api/articles" && req.method === "GET")
        return send(200, { articles: [...articles.values()], articlesCount: articles.size });
      if (path === "/api/articles" && req.method === "POST") {
        // A field the schema calls optional, read anyway (as a real RealWorld backend does).
        if (!Array.isArray(input.article?.tagList))
          return send(500, { errors: { body: ["tagList is not iterable"] } });
        // The slug is made from the title, so a title can be taken only once.
        const title = String(input.article?.title ?? "");
        if ([...articles.values()].some((a) => a.title === title))
          return send(422, { errors: { title: ["has already been taken"] } });
        const slug = `note-${next++}`;
        const article = {
          slug,
          title,
          body: String(input.article?.body ?? ""),
          author: user,
        };
        articles.set(slug, article);
        return send(201, { article });
      }
      const nested = /^\/api\/articles\/[^/]+\/comments(?:\/(\d+))?$/.exec(path);
      if (nested && req.method === "GET" && !nested[1])
        return send(200, { comments: [...comments.values()] });
      if (nested && req.method === "POST" && !nested[1]) {
        const comment = { id: next++, body: String(input.comment?.body ?? ""), author: user };
        comments.set(comment.id, comment);
        return send(201, { comment });
      }
      if (nested && req.method === "DELETE" && nested[1]) {
        const comment = comments.get(Number(nested[1]));
        if (!comment) return send(404, { errors: { body: ["not found"] } });
        if (comment.author !== user && owner === "enforced")
          return send(403, { errors: { body: ["forbidden"] } });
        if (comment.author === user || owner === "ignored") comments.delete(comment.id);
        return send(204);
      }
      const slug = /^\/api\/articles\/([^/]+)$/.exec(path)?.[1] ?? "";
      const article = articles.get(slug);
      if (!article) return send(404, { errors: { body: ["not found"] } });
      const foreign = article.author !== user;
      if (req.method === "GET") return send(200, { article });
      if (foreign && owner === "enforced") return send(403, { errors: { body: ["forbidden"] } });
      const applies = !foreign || owner === "ignored";
      if (req.method === "PUT") {
        if (applies && typeof input.article?.body === "string") article.body = input.article.body;
        return send(200, { article });
      }
      if (req.method === "DELETE") {
        if (applies) articles.delete(slug);
        return send(204);
      }
      send(405, { errors: { body: ["method"] } });
    });
  });
  const api = await listenLoopback(server);
  return { ...api, articles, comments };
}

async function scan(url: string) {
  return runScan(
    {
      target: url,
      profile: "full",
      config: {
        identities: [
          { name: "alice", bearer: "alice-token" },
          { name: "bob", bearer: "bob-token" },
        ],
      },
    },
    { catalog, checks: [bolaWriteCheck] },
  );
}

describe("BOLA writes on objects wrapped and addressed by a slug (RealWorld shape)", () => {
  test("bob changes and deletes alice's article: both found, proven by what alice reads back", async () => {
    const api = await articlesApi("ignored");
    try {
      const report = await scan(api.url);
      const found = findingsOf(report, "proc-02-bola-write");
      assert.deepEqual(found.map((f) => f.title).sort(), [
        "User changes another user's object (BOLA)",
        "User deletes another user's object (BOLA)",
        "User deletes another user's object (BOLA)",
      ]);
      // The nested comment, whose deletion is proven by alice's list of comments.
      assert.ok(
        found.some((f) =>
          /^DELETE \/api\/articles\/[^/]+\/comments\/\d+ /.test(f.evidence.request ?? ""),
        ),
      );
      assert.match(
        found.find((f) => f.title.includes("changes"))?.evidence.request ?? "",
        /^PUT \/api\/articles\/note-1 HTTP\/1\.1/,
      );
      assert.equal(report.items.find((i) => i.id === "PROC-02")?.verdict, "fail");
      assert.deepEqual([...api.articles.keys()], ["note-0"], "the scan leaves nothing behind");
      assert.equal(api.comments.size, 0);
    } finally {
      await api.close();
    }
  });

  // Regression: a write answered 200 that changed nothing was taken for a BOLA by its status.
  test("a foreign write answered 200 but not applied is no finding", async () => {
    const api = await articlesApi("silently-refused");
    try {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-bola-write"), []);
      assert.deepEqual([...api.articles.keys()], ["note-0"], "alice's own delete cleans up");
      assert.equal(api.comments.size, 0);
    } finally {
      await api.close();
    }
  });

  test("an API that checks the author: no finding, the write surface counted as tried", async () => {
    const api = await articlesApi("enforced");
    try {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "proc-02-bola-write"), []);
      const coverage = report.items
        .find((i) => i.id === "PROC-02")
        ?.coverage?.find((c) => c.check === "proc-02-bola-write");
      assert.equal(coverage?.probed, 3);
      assert.equal(coverage?.of, 3);
    } finally {
      await api.close();
    }
  });
});
