import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { massAssignmentCheck } from "../../src/scan/checks/mass-assignment/mass-assignment.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

/**
 * How `PUT /api/articles/{slug}` treats an `author` member: stored as the owner's id, or
 * ignored; `profile-churn` ignores it too, while the author's user name changes on every read
 * (another check editing the profile meanwhile).
 */
type Mode = "binds-author" | "ignores-author" | "profile-churn";

const USERS = [
  { id: 5, username: "alice" },
  { id: 6, username: "bob" },
];

/** A JWT-shaped token that names its user by an `id` claim. */
function tokenOf(id: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ id, username: "x" })}.c2ln`;
}

const ARTICLE_BODY = {
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          article: {
            type: "object",
            properties: { title: { type: "string", example: "How to train your dragon" } },
          },
        },
      },
    },
  },
};

const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "articles", version: "1" },
  components: { securitySchemes: { token: { type: "http", scheme: "bearer" } } },
  security: [{ token: [] }],
  paths: {
    "/api/articles": {
      get: { responses: { "200": { description: "list" } } },
      post: { requestBody: ARTICLE_BODY, responses: { "201": { description: "created" } } },
    },
    "/api/articles/{slug}": {
      parameters: [{ name: "slug", in: "path", required: true, schema: { type: "string" } }],
      get: { responses: { "200": { description: "one" } } },
      put: { requestBody: ARTICLE_BODY, responses: { "200": { description: "updated" } } },
      delete: { responses: { "204": { description: "gone" } } },
    },
  },
};

interface Article {
  slug: string;
  title: string;
  author: number;
}

async function articlesApi(mode: Mode) {
  const articles: Article[] = [{ slug: "alices-first", title: "First", author: 5 }];
  let next = 0;
  let reads = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/openapi.json") return send(200, DOCUMENT);
      const caller = USERS.find((u) => req.headers.authorization === `Bearer ${tokenOf(u.id)}`);
      if (!caller) return send(401, { error: "unauthorized" });
      let body: { article?: Record<string, unknown> } = {};
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      } catch {
        return send(400, { error: "bad json" });
      }
      const shown = (a: Article) => ({
        article: {
          slug: a.slug,
          title: a.title,
          author: {
            username: `${USERS.find((u) => u.id === a.author)?.username}${mode === "profile-churn" ? `-${++reads}` : ""}`,
          },
        },
      });
      if (path === "/api/articles" && req.method === "GET")
        return send(200, { articles: articles.map((a) => shown(a).article) });
      if (path === "/api/articles" && req.method === "POST") {
        const article = {
          slug: `article-${++next}`,
          title: String(body.article?.title ?? "untitled"),
          author: caller.id,
        };
        articles.push(article);
        return send(201, shown(article));
      }
      const slug = /^\/api\/articles\/([^/]+)$/.exec(path)?.[1];
      const article = articles.find((a) => a.slug === slug);
      if (!article) return send(404, { error: "not found" });
      if (req.method === "GET") return send(200, shown(article));
      if (article.author !== caller.id) return send(403, { error: "not yours" });
      if (req.method === "DELETE") {
        articles.splice(articles.indexOf(article), 1);
        return send(204);
      }
      if (req.method === "PUT") {
        if (typeof body.article?.title === "string") article.title = body.article.title;
        if (mode === "binds-author" && typeof body.article?.author === "number")
          article.author = body.article.author;
        return send(200, shown(article));
      }
      send(405, { error: "method" });
    });
  });
  const listening = await listenLoopback(server);
  return { ...listening, articles };
}

function scan(url: string) {
  return runScan(
    {
      target: url,
      profile: "full",
      bearer: tokenOf(5),
      config: {
        identities: [
          { name: "alice", bearer: tokenOf(5) },
          { name: "bob", bearer: tokenOf(6) },
        ],
      },
    },
    { catalog, checks: [massAssignmentCheck] },
  );
}

describe("EXT-05: the member that names an object's owner", () => {
  test('an update that binds "author" hands alice\'s object to bob: found, the object deleted', async () => {
    await withServer(articlesApi("binds-author"), async (api) => {
      const report = await scan(api.url);
      const found = findingsOf(report, "ext-05-mass-assignment").find((f) =>
        /Owner field/.test(f.title),
      );
      assert.equal(found?.title, 'Owner field "author" mass-assigned');
      assert.match(found?.detail ?? "", /\{"author": 6\} \(the id of "bob"\)/);
      assert.match(found?.detail ?? "", /"alice".* before, .*"bob".* after/);
      assert.equal(report.items.find((i) => i.id === "EXT-05")?.verdict, "fail");
      assert.deepEqual(
        api.articles.map((a) => a.slug),
        ["alices-first"],
      );
    });
  });

  test("an update that ignores author: silent; regression: the create probe left its object behind when objects are named by slug", async () => {
    await withServer(articlesApi("ignores-author"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(
        findingsOf(report, "ext-05-mass-assignment").filter((f) => /Owner field/.test(f.title)),
        [],
      );
      assert.deepEqual(
        api.articles.map((a) => a.slug),
        ["alices-first"],
      );
    });
  });

  test("regression: the owner's profile edited meanwhile is not a reassignment (rw-django's author changed name)", async () => {
    await withServer(articlesApi("profile-churn"), async (api) => {
      const report = await scan(api.url);
      assert.deepEqual(
        findingsOf(report, "ext-05-mass-assignment").filter((f) => /Owner field/.test(f.title)),
        [],
      );
      assert.deepEqual(
        api.articles.map((a) => a.slug),
        ["alices-first"],
      );
    });
  });
});
