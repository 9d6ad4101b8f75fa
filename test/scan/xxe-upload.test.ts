import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { xxeCheck } from "../../src/scan/checks/parsers/xxe.js";
import { runScan } from "../../src/scan/engine.js";
import { findingsOf } from "./access-helpers.js";
import { textBodyServer } from "./scan-helpers.js";

/**
 * A server-rendered app with a bulk import: a page whose form uploads an XML file (multipart,
 * no API description), and a handler that parses it. How its parser treats external entities:
 * - `reads`: it opens the file an entity names and goes on (a missing file fails the parse);
 * - `safe`: it never opens one (every document answers alike);
 * - `filtered`: it reads, but a filter in front refuses any body naming /etc/passwd;
 * - `silent-on-success`: it reads, a missing file is skipped, and a document that parses is never
 *   answered (the handler's promise is lost); only a file whose content breaks the parse (NUL
 *   bytes) gets an answer, the parser's error.
 * Nothing is echoed: the import answers a redirect or an error page, as blind XXE goes.
 */
type Parser = "reads" | "safe" | "filtered" | "silent-on-success";

const PAGE = `<html><body><h1>Import</h1>
<form method="post" action="/app/import" enctype="multipart/form-data">
  <input type="text" name="note" value="">
  <input type="file" name="products" accept=".xml">
  <input type="submit" value="Upload">
</form></body></html>`;

function stub(parser: Parser, uploads: string[]) {
  return (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(PAGE);
    }
    if (req.method !== "POST" || url.pathname !== "/app/import") {
      res.writeHead(404, { "content-type": "text/html" });
      return res.end("Not Found");
    }
    const part =
      /name="products"; filename="[^"]*"\r\nContent-Type: [^\r]*\r\n\r\n([\s\S]*?)\r\n--/.exec(
        body,
      )?.[1];
    if (part === undefined) {
      res.writeHead(400, { "content-type": "text/html" });
      return res.end("no file");
    }
    uploads.push(part);
    if (parser === "filtered" && part.includes("/etc/passwd")) {
      res.writeHead(403, { "content-type": "text/html" });
      return res.end("Request blocked");
    }
    const system = /SYSTEM "file:\/\/([^"]+)"/.exec(part)?.[1];
    if (parser === "silent-on-success") {
      if (system !== undefined && existsSync(system) && readFileSync(system).includes(0)) {
        res.writeHead(200, { "content-type": "text/html" });
        return res.end("Error: Entity 'e' failed to parse (Line: 1, Column: 89)");
      }
      return; // parsed: the answer never comes
    }
    const resolves = parser !== "safe";
    if (system !== undefined && resolves && !existsSync(system)) {
      // The entity's file could not be loaded: the import is refused.
      res.writeHead(302, { location: "/app/import?error=1" });
      return res.end();
    }
    res.writeHead(500, { "content-type": "text/html" });
    return res.end("<pre>TypeError: Cannot read properties of undefined (reading 'text')</pre>");
  };
}

function bodyServer(parser: Parser, uploads: string[]) {
  const handler = stub(parser, uploads);
  return textBodyServer((req, body, res) => handler(req, res, body));
}

function scan(url: string, timeoutSeconds?: number): Promise<Report> {
  return runScan(
    { target: url, profile: "full", ...(timeoutSeconds ? { timeoutSeconds } : {}) },
    { catalog: loadCatalog(), checks: [xxeCheck] },
  );
}

describe("PROC-04 through a file upload: blind XXE told by whether a named file exists", () => {
  let server: Awaited<ReturnType<typeof bodyServer>>;
  const uploads: string[] = [];
  let report: Report;
  before(async () => {
    server = await bodyServer("reads", uploads);
    report = await scan(server.url);
  });
  after(() => server.close());

  test("the form's file input is found by the crawl and the XML goes in as that file part", () => {
    assert.ok(uploads.length > 0, "no upload reached the import");
    assert.ok(
      uploads.every((u) => u.startsWith("<?xml")),
      uploads[0],
    );
  });

  test("a parser that opens the files its entities name is reported, with both answers", () => {
    const [finding] = findingsOf(report, "proc-04-xxe").filter(
      (f) => f.title === "XML external entity reads local files (blind)",
    );
    assert.ok(finding, JSON.stringify(findingsOf(report, "proc-04-xxe"), null, 1));
    assert.match(
      finding.evidence.request ?? "",
      /^POST \/app\/import HTTP\/1\.1 \(multipart\/form-data, file part "products"/,
    );
    assert.match(
      finding.evidence.note ?? "",
      /answer for a missing file: 302; for file:\/\/\/etc\/passwd: 500/,
    );
    assert.equal(report.items.find((i) => i.id === "PROC-04")?.verdict, "fail");
  });
});

describe("PROC-04 through a file upload whose handler never answers a document that parsed", () => {
  test("found by the one file that breaks the parse: an error where missing files got no answer", async () => {
    const server = await bodyServer("silent-on-success", []);
    try {
      const report = await scan(server.url, 1);
      const [finding] = findingsOf(report, "proc-04-xxe");
      assert.equal(finding?.title, "XML external entity reads local files (blind)");
      assert.match(
        finding?.evidence.note ?? "",
        /answer for a missing file: no answer; for file:\/\/\/proc\/self\/cmdline: 200/,
      );
    } finally {
      await server.close();
    }
  });
});

describe("PROC-04 through a file upload, when the parser never opens files", () => {
  for (const [parser, why] of [
    ["safe", "every document answers alike"],
    ["filtered", "a filter refusing /etc/passwd is not the parser reading it"],
  ] as const) {
    test(`silent: ${why}`, async () => {
      const server = await bodyServer(parser, []);
      try {
        const report = await scan(server.url);
        assert.deepEqual(findingsOf(report, "proc-04-xxe"), []);
      } finally {
        await server.close();
      }
    });
  }
});
