import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { codePoints } from "../../src/guard/contract/lengths.js";
import { project } from "../../src/guard/contract/project.js";
import { backtrackingRisk } from "../../src/guard/contract/redos.js";

describe("patterns prone to catastrophic backtracking (CWE-1333)", () => {
  const risky: [string, RegExp][] = [
    ["^(a+)+$", /nested quantifiers/],
    ["^([a-z]*)*@x$", /nested quantifiers/],
    ["(x+x+)+y", /nested quantifiers/],
    ["^(?:\\w+\\s?)*$", /nested quantifiers/],
    ["^((ab)*c)+$", /nested quantifiers/],
    ["^(a|ab)*$", /overlapping alternatives/],
    ["^(\\w|\\d)+$", /overlapping alternatives/],
    ["^(a|a)*$", /overlapping alternatives/],
    ["^(.|x){1,100}$", /overlapping alternatives/],
    ["(?<x", /not a valid regular expression/],
  ];
  for (const [pattern, reason] of risky)
    test(`${pattern} is refused`, () => assert.match(backtrackingRisk(pattern) ?? "", reason));

  const safe = [
    "^[a-z0-9-]{1,63}$",
    "^[a-z]+(-[a-z]+){0,5}$",
    "^\\d{4}-\\d{2}-\\d{2}$",
    "^(https?|ftp)://[^\\s/$.?#].[^\\s]*$",
    "^(a|b|c)+$",
    "^(\\.|-)+$",
    "^[A-Z]{2}(\\d{2}){3}$",
    "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$",
    "^\\(\\d+\\)$",
  ];
  for (const pattern of safe)
    test(`${pattern} is run`, () => assert.equal(backtrackingRisk(pattern), undefined));
});

describe("projection of a JSON response onto its schema", () => {
  const user = {
    type: "object",
    properties: {
      id: { type: "integer" },
      secret: { type: "string", writeOnly: true },
      tags: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
      meta: { type: "object" },
      labels: { type: "object", additionalProperties: { type: "string" } },
    },
  };

  test("removes undeclared and writeOnly properties and reports their pointers", () => {
    const value = {
      id: 1,
      secret: "s",
      hash: "h",
      "a/b": 1,
      tags: [{ name: "x", internal: true }],
      meta: { free: 1 },
      labels: { any: "thing" },
    };
    assert.deepEqual(project(user, value, {}), ["/secret", "/hash", "/a~1b", "/tags/0/internal"]);
    assert.deepEqual(value, {
      id: 1,
      tags: [{ name: "x" }],
      meta: { free: 1 },
      labels: { any: "thing" },
    });
  });

  test("leaves a value that matches untouched", () => {
    const value = { id: 1, tags: [] };
    assert.deepEqual(project(user, value, {}), []);
    assert.deepEqual(value, { id: 1, tags: [] });
  });

  test("a property declared by any branch of allOf / oneOf is kept; $refs are followed", () => {
    const defs = { Base: { type: "object", properties: { id: { type: "integer" } } } };
    const schema = {
      allOf: [{ $ref: "#/$defs/Base" }],
      oneOf: [
        { properties: { kind: { const: "a" }, a: { type: "string" } } },
        { properties: { kind: { const: "b" }, b: { type: "string" } } },
      ],
    };
    const value = { id: 1, kind: "a", a: "x", b: "y", c: "z" };
    assert.deepEqual(project(schema, value, defs), ["/c"]);
    assert.deepEqual(value, { id: 1, kind: "a", a: "x", b: "y" });
  });

  test("patternProperties declare the names they match", () => {
    const schema = { type: "object", patternProperties: { "^x-": { type: "string" } } };
    const value = { "x-a": "1", y: "2" };
    assert.deepEqual(project(schema, value, {}, new Map([["^x-", /^x-/u]])), ["/y"]);
  });
});

describe("string lengths as JSON Schema counts them (code points)", () => {
  test("a surrogate pair counts once, a lone surrogate once, whatever surrounds it", () => {
    assert.equal(codePoints(""), 0);
    assert.equal(codePoints("a\u{1F600}b"), 3);
    assert.equal(codePoints("\ud800"), 1);
    assert.equal(codePoints("\udc00\ud800"), 2, "a low surrogate before a high one is no pair");
    assert.equal(codePoints("\u{1F600}\ud83d"), 2);
  });

  test("equals the string's code points for any UTF-16 text, lone surrogates included", () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
        const text = String.fromCharCode(...units);
        assert.equal(codePoints(text), [...text].length);
      }),
      { numRuns: 2000 },
    );
  });
});
