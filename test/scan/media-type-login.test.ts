import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { unsupportedMediaTypeCheck } from "../../src/scan/checks/input/unsupported-media-type.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, textBodyServer, verdictOf } from "./scan-helpers.js";

/**
 * An API without a description, with one read linked from its home page, whose only body is its
 * OAuth token endpoint (password grant, RFC 6749 4.3: a form body). `strict`: a body of another type gets 415; otherwise the endpoint
 * reads it anyway and answers as OAuth does to a form without a grant type.
 */
function tokenApi(strict: boolean) {
  return textBodyServer((req, body, res) => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/" && req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end('<html><body><a href="/api/items">items</a></body></html>');
    }
    if (req.url === "/api/items" && req.method === "GET") return json(200, [{ name: "pen" }]);
    if (req.url !== "/oauth/token/" || req.method !== "POST") return json(404, {});
    const form = /^application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "");
    if (!form && strict) return json(415, { error: "unsupported media type" });
    const fields = form ? new URLSearchParams(body) : new URLSearchParams();
    if (fields.get("grant_type") !== "password")
      return json(400, { error: "unsupported_grant_type" });
    return fields.get("username") === "ann" && fields.get("password") === "ann-pass"
      ? json(200, { access_token: "ann-token", token_type: "Bearer", expires_in: 600 })
      : json(400, { error: "invalid_grant" });
  });
}

const scan = (url: string) =>
  runScan(
    {
      target: url,
      config: {
        login: {
          grant: "password",
          tokenUrl: "/oauth/token/",
          clientId: "app",
          username: "ann",
          password: "ann-pass",
        },
      },
    },
    { catalog, checks: [unsupportedMediaTypeCheck] },
  );

describe("IN-03 on the scan's own login, when no operation with a body is known", () => {
  test("a token endpoint that reads a text/plain body (400 unsupported_grant_type) is found", async () => {
    const api = await tokenApi(false);
    try {
      const report = await scan(api.url);
      const [finding] = findingsOf(report, "in-03-unsupported-media-type");
      assert.match(
        finding?.evidence.request ?? "",
        /^POST \/oauth\/token\/ HTTP\/1\.1 \(Content-Type: text\/plain\)/,
      );
      assert.equal(verdictOf(report, "IN-03").verdict, "fail");
    } finally {
      await api.close();
    }
  });

  test("a token endpoint that answers 415 is silent", async () => {
    const api = await tokenApi(true);
    try {
      const report = await scan(api.url);
      assert.deepEqual(findingsOf(report, "in-03-unsupported-media-type"), []);
      // Probed and answered 415, not left untried.
      const run = report.checks.find((c) => c.id === "in-03-unsupported-media-type");
      assert.equal(run?.status, "ran");
    } finally {
      await api.close();
    }
  });
});
