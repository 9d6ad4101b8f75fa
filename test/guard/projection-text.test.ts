import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { JsonSchema } from "../../src/guard/contract/dialect.js";
import { compileProjection } from "../../src/guard/contract/project.js";

// The text scan (keepsAll) decides, for an answer's bytes, that projecting its parsed value would
// remove nothing, so that the answer need not be parsed. A wrong "true" lets an undeclared or
// writeOnly member out (OUT-06); a wrong "false" only costs a parse.

const defs: Record<string, JsonSchema> = {
  User: {
    type: "object",
    additionalProperties: false,
    properties: {
      id: { type: "integer" },
      name: { type: "string" },
      nom: { type: "string" },
      név: { type: "string" },
      password: { type: "string", writeOnly: true },
      friends: { type: "array", items: { $ref: "#/$defs/User" } },
      meta: { type: "object" },
      labels: { type: "object", additionalProperties: { type: "object", properties: { v: {} } } },
    },
    patternProperties: { "^x-": { type: "object", properties: { ok: {} } } },
  },
};
const SCHEMAS: Record<string, JsonSchema> = {
  "a recursive closed object": { $ref: "#/$defs/User" },
  "an array of them": { type: "array", items: { $ref: "#/$defs/User" } },
  "allOf and oneOf branches": {
    allOf: [{ properties: { id: {}, kind: {} } }],
    oneOf: [
      { properties: { name: { type: "object", properties: { first: {} } } } },
      { properties: { nom: {}, password: { writeOnly: true } } },
    ],
  },
  "an open object with a nested closed one": {
    type: "object",
    additionalProperties: true,
    properties: { name: { type: "object", properties: { first: {} } } },
  },
};
const patterns = new Map([["^x-", /^x-/u]]);

/** Member names: declared ones, writeOnly, undeclared, matched by a pattern, and odd ones. */
const NAMES = [
  "id",
  "name",
  "nom",
  "név",
  "password",
  "friends",
  "meta",
  "labels",
  "x-trace",
  "first",
  "kind",
  "v",
  "ok",
  "passwordHash",
  "",
  "__proto__",
  'na"me',
  "na\\me",
  "\u0000",
  "i\u200bd",
];
const names = fc.constantFrom(...NAMES);
const leaf = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.constantFrom('a\\"', 'x","password":"y', "\\", '\\\\"', "\u2028", "é"),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(names, tie("value"), { maxKeys: 6 }),
})).value;
/** Whether JSON.stringify writes one of the value's member names with an escape. */
function hasEscapedName(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasEscapedName);
  return Object.entries(value).some(
    ([k, v]) => JSON.stringify(k) !== `"${k}"` || hasEscapedName(v),
  );
}
const spacing = fc.constantFrom(undefined, 1, 2, "\t", "\r\n ");

describe("projection read from the text (keepsAll)", () => {
  for (const [label, schema] of Object.entries(SCHEMAS))
    test(`${label}: true exactly when projecting the parsed value removes nothing`, () => {
      const projection = compileProjection(schema, defs, patterns);
      fc.assert(
        fc.property(json, spacing, (value, space) => {
          const text = JSON.stringify(value, null, space as string | number | undefined);
          const removed = projection.project(JSON.parse(text));
          const kept = projection.keepsAll(Buffer.from(text, "utf8"));
          // An escaped member name is left to the parser; every other text is read exactly.
          if (hasEscapedName(value)) {
            if (kept) assert.deepEqual(removed, [], text);
          } else assert.equal(kept, removed.length === 0, text);
        }),
        { numRuns: 600 },
      );
    });

  const user = compileProjection({ $ref: "#/$defs/User" }, defs, patterns);
  const keeps = (text: string | Buffer) =>
    user.keepsAll(typeof text === "string" ? Buffer.from(text, "utf8") : text);

  test("bypass: a writeOnly member spelt with an escape (pass\\u0077ord) is not read as clean", () => {
    assert.equal(keeps('{"id":1,"pass\\u0077ord":"x"}'), false);
    assert.equal(keeps('{"id":1,"n\\u0061me":"x"}'), false);
  });

  test("bypass: a member after a string ending in an escaped backslash is read", () => {
    assert.equal(keeps('{"name":"a\\\\","passwordHash":"x"}'), false);
    assert.equal(keeps('{"name":"a\\\\\\\\","passwordHash":"x"}'), false);
  });

  test("a member-like text inside a string is not a member", () => {
    assert.equal(keeps('{"name":"a\\",\\"passwordHash\\":\\"x"}'), true);
    assert.equal(keeps(`{"name":"${"long text ".repeat(20)}\\",\\"passwordHash\\":1"}`), true);
  });

  test("bypass: whitespace around members and values hides none", () => {
    assert.equal(keeps(' {\r\n\t"id" : 1 ,\n "name"\t:\t"a" } \n'), true);
    assert.equal(keeps(' {\r\n\t"id" : 1 ,\n "passwordHash"\t:\t"a" } '), false);
  });

  test("bypass: a duplicate member name is read in both places", () => {
    assert.equal(keeps('{"friends":[{"ssn":1}],"friends":[]}'), false);
    assert.equal(keeps('{"friends":[],"friends":[{"ssn":1}]}'), false);
  });

  test("member names are compared as UTF-8 bytes; invalid bytes never match a declared name", () => {
    assert.equal(keeps('{"név":"x"}'), true);
    assert.equal(keeps(Buffer.from([0x7b, 0x22, 0x6e, 0xe9, 0x76, 0x22, 0x3a, 0x31, 0x7d])), false);
  });

  test("patterns and additionalProperties schemas apply to the members they admit", () => {
    assert.equal(keeps('{"x-trace":{"ok":1}}'), true);
    assert.equal(keeps('{"x-trace":{"secret":1}}'), false);
    assert.equal(keeps('{"labels":{"any":{"v":1}}}'), true);
    assert.equal(keeps('{"labels":{"any":{"w":1}}}'), false);
    assert.equal(keeps('{"meta":{"anything":{"at":"all"}}}'), true);
  });

  test("what is not plain JSON is left to the parser", () => {
    for (const text of [
      "\ufeff{}",
      '{"id":1',
      '{"id":1}}',
      '{"id" 1}',
      "{'id':1}",
      '{"id":1,}',
      "",
      `${"[".repeat(300)}${"]".repeat(300)}`,
    ])
      assert.equal(keeps(text), false, JSON.stringify(text));
    assert.equal(keeps("[]"), true);
    assert.equal(keeps("null"), true);
  });
});
