import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { replaceStrings } from "../../src/scan/checks/injection/points.js";
import { exampleParameter, exampleValue } from "../../src/scan/examples.js";
import { resolveScanOptions } from "../../src/scan/options.js";
import { createProgress } from "../../src/scan/progress.js";

describe("example values from schemas", () => {
  test("declared examples first, then enums, formats and types; required properties only", () => {
    assert.deepEqual(
      exampleValue({
        type: "object",
        required: ["item", "quantity", "when"],
        properties: {
          item: { type: "string", example: "Blue widget" },
          quantity: { type: "integer", minimum: 1 },
          when: { type: "string", format: "date-time" },
          note: { type: "string" },
        },
      }),
      { item: "Blue widget", quantity: 1, when: "2024-01-01T00:00:00Z" },
    );
    assert.equal(exampleValue({ enum: ["asc", "desc"] }), "asc");
    assert.equal(
      exampleParameter({ type: "string", format: "uuid" }, undefined),
      "00000000-0000-4000-8000-000000000000",
    );
    assert.equal(exampleParameter(undefined, 42), "42");
  });

  test("references are followed through the deref the document gives; without it, no example", () => {
    const schemas: Record<string, unknown> = {
      Pet: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
    };
    const schema = { type: "object", required: ["pet"], properties: { pet: { $ref: "#/Pet" } } };
    const deref = (s: unknown) =>
      typeof s === "object" && s !== null && "$ref" in s
        ? schemas[String((s as { $ref: string }).$ref).slice(2)]
        : s;
    assert.deepEqual(exampleValue(schema, 0, deref), { pet: { name: "example" } });
    assert.deepEqual(exampleValue(schema), { pet: null });
  });

  test("self-referencing schemas stop at a bounded depth", () => {
    const node: Record<string, unknown> = { type: "object", required: ["child"], properties: {} };
    (node.properties as Record<string, unknown>).child = node;
    assert.doesNotThrow(() => JSON.stringify(exampleValue(node)));
  });
});

describe("probe bodies", () => {
  // Regression: only top-level strings were replaced, so a RealWorld-style body ({"user": {...}})
  // went out unchanged and type confusion reported the example's own 500 as its finding.
  test("replaceStrings reaches nested fields and leaves the kept ones alone", () => {
    assert.deepEqual(
      replaceStrings(
        { user: { email: "a@example.test", bio: "hi", tags: ["x"] }, n: 1 },
        (key) => `<${key}>`,
        new Set(["email"]),
      ),
      { user: { email: "a@example.test", bio: "<bio>", tags: ["<tags>"] }, n: 1 },
    );
  });
});

describe("scan progress", () => {
  test("CI (no TTY): a few plain lines, never one per request", () => {
    let out = "";
    const progress = createProgress({ write: (s: string) => (out += s) }, false, () => 0);
    progress.start(20);
    for (let i = 0; i < 300; i++) progress.request();
    for (let i = 0; i < 20; i++) progress.checkDone(`c${i}`);
    progress.end(300);
    const lines = out.trim().split("\n");
    assert.ok(lines.length <= 6, out);
    assert.match(lines.at(-1) ?? "", /done, 300 requests/);
    assert.doesNotMatch(out, /\r/);
  });

  test("TTY: a bar redrawn in place", () => {
    let out = "";
    let t = 0;
    const progress = createProgress({ write: (s: string) => (out += s) }, true, () => (t += 200));
    progress.start(2);
    progress.checkDone("a");
    progress.end(3);
    assert.match(out, /\r\[#+-*\] 1\/2 checks/);
  });
});

test("the full profile's default budget is larger, and --max-requests still wins", () => {
  const target = "http://127.0.0.1:1";
  assert.equal(resolveScanOptions({ target }).maxRequests, 500);
  assert.equal(resolveScanOptions({ target, profile: "full" }).maxRequests, 2000);
  assert.equal(resolveScanOptions({ target, profile: "full", maxRequests: 300 }).maxRequests, 300);
});
