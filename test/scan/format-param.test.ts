import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { formatParamCheck } from "../../src/scan/checks/output/format-param.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback, withServer } from "./scan-helpers.js";

const XML = "<notes><note>&lt;b&gt;hi&lt;/b&gt;</note></notes>";

/** `GET /api/notes?format=...`: the declared type follows the parameter (`echo`) or the body (`honest`). */
async function notesApi(mode: "echo" | "honest" | "html-view") {
  const document = {
    openapi: "3.0.3",
    info: { title: "notes", version: "1" },
    paths: {
      "/api/notes": {
        get: {
          parameters: [
            { name: "format", in: "query", schema: { type: "string", example: "json" } },
          ],
          responses: { "200": { description: "ok" } },
        },
      },
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/openapi.json") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(document));
    }
    const format = url.searchParams.get("format") ?? "json";
    if (format === "json") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end('{"notes":["hi"]}');
    }
    if (mode === "html-view") {
      // An HTML view of the notes is HTML, whatever else the parameter could pick.
      res.writeHead(format === "html" ? 200 : 406, { "content-type": "text/html" });
      return res.end("<div><p>hi</p></div>");
    }
    if (mode === "honest" && format !== "xml") {
      res.writeHead(406, { "content-type": "application/json" });
      return res.end('{"error":"not acceptable"}');
    }
    res.writeHead(200, {
      "content-type": mode === "honest" ? "application/xml" : `text/${format}`,
    });
    res.end(XML);
  });
  return listenLoopback(server);
}

describe("OUT-05: a format parameter that chooses the declared type", () => {
  test("format=html answered with the XML document as text/html: found", async () => {
    await withServer(notesApi("echo"), async (api) => {
      const report = await runScan({ target: api.url }, { catalog, checks: [formatParamCheck] });
      const [found] = findingsOf(report, "out-05-format-param");
      assert.equal(found?.title, "format=html serves an XML body as text/html");
      assert.equal(found?.evidence.request, "GET /api/notes?format=html HTTP/1.1");
      assert.equal(report.items.find((i) => i.id === "OUT-05")?.verdict, "fail");
    });
  });

  for (const mode of ["honest", "html-view"] as const)
    test(`${mode === "honest" ? "XML declared as XML, other formats refused with 406" : "format=html rendering an HTML view"}: silent`, async () => {
      await withServer(notesApi(mode), async (api) => {
        const report = await runScan({ target: api.url }, { catalog, checks: [formatParamCheck] });
        assert.deepEqual(findingsOf(report, "out-05-format-param"), []);
      });
    });
});
