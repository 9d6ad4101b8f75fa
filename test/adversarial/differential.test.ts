// Issue 17, deliverable 6: a differential adversarial suite. Requests generated from the
// equivalence classes of the issue go, raw, through the guard to two real upstream parsers
// started here (Express 5 with body-parser, Python's http.server with json), which record how
// they read each request. Properties: every operation an upstream serves was authorised by the
// guard for that operation (scopes, identity, allow-list, lockout of the route the upstream
// matched); the upstream reads no identity, API key, query credential or client address the
// guard did not vouch for; no planted secret or stack trace reaches the client.
// Fixed seed, bounded runs; bench/guard/differential.ts runs the same properties at length.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import {
  type Body,
  type Case,
  type ClassName,
  type Credential,
  caseArb,
} from "./differential/generate.js";
import { type Differential, startDifferential } from "./differential/harness.js";

const SEED = 20261207;

const CLASSES: readonly (readonly [ClassName, string, number])[] = [
  [
    "path forms",
    "trailing slash, double slash, dot segments, percent-encoding, encoded slash, case, matrix ;, ? and #",
    45,
  ],
  [
    "method overrides",
    "X-HTTP-Method-Override family and _ aliases, _method in query, form and JSON bodies",
    45,
  ],
  ["client-IP aliases", "X-Forwarded-For, X-Real-IP, Forwarded and their _ and case aliases", 20],
  [
    "body encodings",
    "BOM, charset, gzip/deflate/br Content-Encoding, duplicate keys, form vs JSON, nesting",
    35,
  ],
  ["query credentials", "folded names, brackets, Bearer- and JWT-shaped values", 30],
  [
    "credential and identity headers",
    "API keys in custom headers and _ aliases, forged identity headers",
    30,
  ],
  [
    "hop-by-hop and Transfer-Encoding",
    "Connection-listed headers, chunked variants, gzip, chunked",
    25,
  ],
  [
    "planted responses",
    "secrets in JSON, headers, gzip, octet-stream, NDJSON, Range; traces in 200 JSON, 500 HTML, headers, chunked",
    25,
  ],
  ["mixed", "every class at once", 35],
];

let world: Differential;
before(async () => {
  world = await startDifferential();
});
after(() => world.close());

describe("differential: guard in front of Express and Python upstreams (issue 17)", () => {
  for (const [cls, what, numRuns] of CLASSES)
    test(`${cls} (${what}): no upstream serves an operation the guard did not authorise, nothing planted leaks`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(cls), async (c) => {
          const problems = await world.check(c);
          assert.deepEqual(problems, []);
        }),
        { seed: SEED, numRuns, endOnFailure: true },
      );
    });
});

// The other way: with no guard in front, one request of each class shows the bypass or leak the
// properties look for, so a guard that let it through would fail them.
const plain: Omit<Case, "method" | "path"> = {
  pathForms: [],
  query: "",
  headers: [],
  credentials: [],
  body: undefined,
  framing: "length",
  plant: "plain",
};
const writer: Credential = {
  kind: "bearer",
  scopes: 2,
  valid: true,
  place: "Authorization: Bearer",
};
const form = (fields: [string, string][]): Body => ({
  type: "form",
  contentType: "application/x-www-form-urlencoded",
  fields,
  duplicate: false,
  nested: false,
  bom: false,
  charset: "none",
  coding: "identity",
});
const SAMPLES: readonly (readonly [string, Case, RegExp])[] = [
  [
    "path forms: /ADMIN",
    { ...plain, method: "GET", path: "/ADMIN" },
    /GET \/admin served to a client off the allow-list/,
  ],
  [
    "method overrides: _method=DELETE in a form body",
    {
      ...plain,
      method: "POST",
      path: "/api/items/7",
      credentials: [writer],
      body: form([["_method", "DELETE"]]),
    },
    /DELETE \/api\/items\/:id served without scope admin/,
  ],
  [
    "client-IP aliases: X_Forwarded_For",
    { ...plain, method: "GET", path: "/api/items", headers: [["X_Forwarded_For", "10.0.0.1"]] },
    /python: upstream read client address 10\.0\.0\.1/,
  ],
  [
    "body encodings: a BOM before the locked-out user's JSON login",
    {
      ...plain,
      method: "POST",
      path: "/login",
      body: {
        ...form([
          ["username", "victim"],
          ["password", "x"],
        ]),
        type: "json",
        contentType: "application/json",
        bom: true,
      },
    },
    /POST \/login served for the locked-out user/,
  ],
  [
    "query credentials: access.token",
    {
      ...plain,
      method: "GET",
      path: "/api/items",
      credentials: [{ kind: "bearer", scopes: 0, valid: true, place: "query access.token" }],
    },
    /read a credential in the query/,
  ],
  [
    "credential and identity headers: X_Auth_Scopes",
    {
      ...plain,
      method: "GET",
      path: "/api/items",
      credentials: [{ kind: "forged-identity", header: "X_Auth_Scopes", value: "admin" }],
    },
    /python: upstream read scopes "admin"/,
  ],
  [
    "hop-by-hop and Transfer-Encoding: gzip, chunked form with _method",
    {
      ...plain,
      method: "POST",
      path: "/api/items/7",
      credentials: [writer],
      framing: "gzip, chunked",
      body: form([["_method", "DELETE"]]),
    },
    /python: DELETE \/api\/items\/:id served without scope admin/,
  ],
  [
    "planted responses: a private key in a Range",
    {
      ...plain,
      method: "GET",
      path: "/files/a.txt",
      plant: "secret-range",
      headers: [["Range", "bytes=40-"]],
    },
    /secret "PRIVATE KEY-----" reached the client \(206\)/,
  ],
];

describe("differential, the other way: with no guard in front the properties fail", () => {
  for (const [name, c, expected] of SAMPLES)
    test(`${name}: seen without the guard, refused or read alike with it`, async () => {
      const without = await world.check(c, { withoutGuard: true });
      assert.ok(
        without.some((p) => expected.test(p)),
        without.join("\n"),
      );
      assert.deepEqual(await world.check(c), []);
    });
});
