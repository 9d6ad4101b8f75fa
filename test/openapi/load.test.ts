import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { formatError, RampartError } from "../../src/core/errors.js";
import { loadOpenApiFile, loadOpenApiText } from "../../src/openapi/load.js";
import { listOperations } from "../../src/openapi/operations.js";
import { fixture } from "../helpers/cli.js";

const dir = fixture("openapi/loader");

async function loadError(path: string): Promise<RampartError> {
  try {
    await loadOpenApiFile(path);
  } catch (error) {
    assert.ok(error instanceof RampartError, String(error));
    return error;
  }
  assert.fail(`${path} loaded`);
}

describe("loadOpenApiFile", () => {
  it("loads OpenAPI 3.0 YAML and locates nodes through a $ref into another file", async () => {
    const doc = await loadOpenApiFile(`${dir}/v30.yaml`);
    assert.equal(doc.version, "3.0");
    assert.deepEqual(doc.locate("/paths/~1users~1{id}/get"), {
      file: `${dir}/v30.yaml`,
      pointer: "/paths/~1users~1{id}/get",
      line: 14,
      column: 7,
    });
    const schema = "/paths/~1users~1{id}/get/responses/200/content/application~1json/schema";
    assert.deepEqual(doc.locate(`${schema}/properties/password`), {
      file: `${dir}/schemas.yaml`,
      pointer: "/User/properties/password",
      line: 7,
      column: 7,
    });
    assert.deepEqual(doc.resolve(`${schema}/properties/password`), { type: "string" });
  });

  it("keeps relative file names relative, in the style of the root file name", async () => {
    const doc = await loadOpenApiFile("test/fixtures/openapi/loader/v30.yaml", {
      cwd: fixture("../.."),
    });
    const at = doc.locate(
      "/paths/~1users~1{id}/get/responses/200/content/application~1json/schema",
    );
    assert.equal(at?.file, "test/fixtures/openapi/loader/schemas.yaml");
    assert.equal(at?.line, 2);
  });

  it("follows recursive schemas without hanging", async () => {
    const doc = await loadOpenApiFile(`${dir}/v30.yaml`);
    const deep = "/components/schemas/Node/properties/child/properties/child/properties/child";
    assert.equal(doc.locate(deep)?.pointer, "/components/schemas/Node");
    assert.equal(doc.locate(deep)?.line, 39);
  });

  it("loads OpenAPI 3.1 JSON with positions", async () => {
    const doc = await loadOpenApiFile(`${dir}/v31.json`);
    assert.equal(doc.version, "3.1");
    assert.deepEqual(doc.locate("/paths/~1items/get/responses/200/content"), {
      file: `${dir}/v31.json`,
      pointer: "/components/responses/Items/content",
      line: 17,
      column: 20,
    });
  });

  it("loads Swagger 2.0 and normalises body, formData, consumes and produces", async () => {
    const doc = await loadOpenApiFile(`${dir}/v20.yaml`);
    assert.equal(doc.version, "2.0");
    const [orders, upload] = listOperations(doc);
    assert.equal(orders?.path, "/orders");
    assert.deepEqual(
      orders?.parameters.map((p) => [p.name, p.in, p.schema?.maximum]),
      [["limit", "query", 100]],
    );
    assert.equal(orders?.requestBody?.content[0]?.mediaType, "application/json");
    assert.equal(orders?.requestBody?.required, true);
    assert.equal(
      doc.locate(orders?.requestBody?.content[0]?.schemaPointer ?? "")?.pointer,
      "/definitions/Order",
    );
    assert.equal(orders?.responses["201"]?.content[0]?.mediaType, "application/json");
    assert.equal(upload?.requestBody?.content[0]?.mediaType, "multipart/form-data");
    assert.deepEqual(upload?.requestBody?.content[0]?.schema?.properties, {
      file: { type: "file" },
    });
  });

  it("merges path-level parameters and reports security and public reasons", async () => {
    const ops = listOperations(await loadOpenApiFile(`${dir}/v30.yaml`));
    const get = ops.find((o) => o.method === "get");
    const del = ops.find((o) => o.method === "delete");
    assert.deepEqual(
      get?.parameters.map((p) => `${p.in}:${p.name}`),
      ["path:id"],
    );
    assert.equal(get?.security, undefined);
    assert.deepEqual(
      del?.parameters.map((p) => `${p.in}:${p.name}`),
      ["path:id", "header:trace"],
    );
    assert.deepEqual(del?.security, []);
    assert.equal(del?.publicReason, "health probes");
    const ops31 = listOperations(await loadOpenApiFile(`${dir}/v31.json`));
    assert.deepEqual(ops31[0]?.security, [{ key: [] }]);
  });

  it("loads text with a source name", async () => {
    const doc = await loadOpenApiText(
      '{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}',
      "inline.json",
    );
    assert.equal(doc.file, "inline.json");
    assert.deepEqual(doc.locate("/info/title"), {
      file: "inline.json",
      pointer: "/info/title",
      line: 1,
      column: 36,
    });
  });

  it("refuses a remote $ref unless allowed, without any request", async () => {
    const error = await loadError(`${dir}/remote.yaml`);
    assert.equal(error.code, "ERR_OPENAPI_REMOTE_REF");
    assert.equal(
      formatError(error),
      `rampart: ERR_OPENAPI_REMOTE_REF ${dir}/remote.yaml:10:11: $ref to a remote document "https://example.com/responses.yaml#/Ok" refused (pass --allow-remote-refs to fetch it)`,
    );
  });

  it("fetches a remote $ref when allowed (loopback server)", async () => {
    const server = createServer((_req, res) => {
      res.setHeader("content-type", "application/yaml");
      res.end("Ok:\n  description: remote ok\n");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const { port } = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/responses.yaml`;
      const text = `openapi: 3.0.3\ninfo: { title: r, version: "1" }\npaths:\n  /a:\n    get:\n      responses:\n        "200": { $ref: "${url}#/Ok" }\n`;
      const doc = await loadOpenApiText(text, "remote-inline.yaml", { allowRemoteRefs: true });
      assert.deepEqual(doc.locate("/paths/~1a/get/responses/200/description"), {
        file: url,
        pointer: "/Ok/description",
        line: 2,
        column: 16,
      });
    } finally {
      server.close();
    }
  });

  it("reports an invalid document as one line with its location", async () => {
    const error = await loadError(`${dir}/invalid.yaml`);
    assert.equal(error.code, "ERR_OPENAPI_INVALID");
    assert.equal(error.exitCode, 2);
    assert.equal(
      formatError(error),
      `rampart: ERR_OPENAPI_INVALID ${dir}/invalid.yaml:10:11: /paths/~1a/get/responses/200: must have required property 'description'`,
    );
  });

  it("reports malformed YAML with its position", async () => {
    const text = 'openapi: 3.0.3\ninfo:\n  title: "unterminated\npaths: {}\n';
    const error = await loadOpenApiText(text, "broken.yaml").then(
      () => assert.fail("loaded"),
      (e: unknown) => e as RampartError,
    );
    assert.equal(error.code, "ERR_OPENAPI_INVALID");
    assert.match(
      formatError(error),
      /^rampart: ERR_OPENAPI_INVALID broken\.yaml:\d+:\d+: not well-formed YAML or JSON: /,
    );
    assert.equal(formatError(error).split("\n").length, 1);
  });

  it("refuses a YAML alias bomb instead of expanding it", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const text = `openapi: 3.0.3\ninfo: { title: bomb, version: "1" }\npaths: {}\nx-bomb:\n${levels.map((l) => `  ${l}`).join("\n")}\n`;
    const error = await loadOpenApiText(text, "bomb.yaml").then(
      () => assert.fail("loaded"),
      (e: unknown) => e as RampartError,
    );
    assert.equal(error.code, "ERR_OPENAPI_INVALID");
    assert.match(error.message, /possible YAML bomb/);
  });

  it("accepts JSON with a byte order mark", async () => {
    const doc = await loadOpenApiText(
      '\uFEFF{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}',
      "bom.json",
    );
    assert.equal(doc.version, "2.0");
    assert.equal(doc.locate("/info")?.column, 25);
  });

  it("reports a cycle of $refs instead of hanging", async () => {
    const error = await loadError(`${dir}/cycle.yaml`);
    assert.equal(error.code, "ERR_OPENAPI_INVALID");
    assert.match(error.message, /points to nothing \(or to a cycle\)/);
  });

  it("tolerant: a cycle, a broken $ref and a refused remote $ref become problems, each once, and the rest loads", async () => {
    const text = JSON.stringify({
      openapi: "3.0.3",
      info: { title: "t", version: "1" },
      paths: {
        "/a": { get: { responses: { "200": { $ref: "#/components/responses/Gone" } } } },
        "/b": { get: { responses: { "200": { $ref: "https://example.com/r.json" } } } },
        "/c": { get: { responses: { "200": { $ref: "https://example.com/r.json" } } } },
        "/d": { get: { responses: { "200": { description: "ok" } } } },
      },
    });
    await assert.rejects(
      loadOpenApiText(text, "t.json", { validate: false }),
      (e: RampartError) => e.code === "ERR_OPENAPI_REMOTE_REF",
    );
    const doc = await loadOpenApiText(text, "t.json", { validate: false, tolerant: true });
    assert.deepEqual(
      doc.problems.map((p) => p.code),
      ["ERR_OPENAPI_REMOTE_REF", "ERR_OPENAPI_INVALID"],
    );
    assert.match(doc.problems[1]?.source ?? "", /^t\.json:1:\d+$/);
    assert.deepEqual(
      listOperations(doc).map((op) => op.path),
      ["/a", "/b", "/c", "/d"],
    );
  });

  it("rejects a document that is not OpenAPI", async () => {
    const error = await loadError(`${dir}/notopenapi.yaml`);
    assert.equal(error.code, "ERR_OPENAPI_INVALID");
    assert.match(error.message, /not an OpenAPI document/);
  });

  it("reports a missing file, and a $ref to a missing file at the $ref", async () => {
    assert.equal((await loadError(`${dir}/nope.yaml`)).code, "ERR_OPENAPI_READ");
    const error = await loadError(`${dir}/missing-ref.yaml`);
    assert.equal(error.code, "ERR_OPENAPI_READ");
    assert.equal(error.source, `${dir}/missing-ref.yaml:10:11`);
  });
});
