import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { send } from "../helpers/demo-client.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    defaults: { authentication: "upstream", methods: ["POST"] },
    routes: [
      { path: "/import/xml", accepts: ["application/xml", "text/xml", "application/atom+xml"] },
      {
        path: "/import/yaml",
        accepts: ["application/yaml"],
        policies: { yaml: { maxAliases: 5 } },
      },
      { path: "/import/json", accepts: ["application/json"], policies: { json: { maxDepth: 8 } } },
    ],
  });
  url = guard.url;
  closeGuard = () => guard.close();
});
after(async () => {
  await closeGuard();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const post = (path: string, type: string, body: string | Buffer) =>
  send(`${url}${path}`, { method: "POST", headers: { "Content-Type": type }, body });

describe("XML bodies (PROC-04, PROC-05)", () => {
  test("an external entity (XXE) is refused", async () => {
    const res = await post(
      "/import/xml",
      "application/xml",
      '<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]><o>&x;</o>',
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(upstream.requests.length, 0);
  });

  test("billion laughs (internal entities) is refused", async () => {
    const res = await post(
      "/import/xml",
      "text/xml",
      '<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>',
    );
    assert.equal(res.status, 400);
  });

  test("bypass attempt: lower-case doctype, whitespace and a +xml type", async () => {
    const res = await post(
      "/import/xml",
      "application/atom+xml",
      "<! doctype feed SYSTEM 'http://x'><feed/>",
    );
    assert.equal(res.status, 400);
  });

  test("bypass attempt: a UTF-16 document hides the DOCTYPE between NULs", async () => {
    const res = await post(
      "/import/xml",
      "application/xml",
      Buffer.from('\ufeff<!DOCTYPE o SYSTEM "http://x"><o/>', "utf16le"),
    );
    assert.equal(res.status, 400);
  });

  test("a plain XML document passes untouched", async () => {
    const body = '<?xml version="1.0"?><order id="1"><item>book</item><!-- a comment --></order>';
    const res = await post("/import/xml", "application/xml", body);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.body, body);
  });
});

describe("YAML bodies (PROC-05)", () => {
  test("a YAML bomb (aliases beyond the limit) is refused", async () => {
    const bomb = [
      "a: &a [x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c]",
    ].join("\n");
    const res = await post("/import/yaml", "application/yaml", bomb);
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("a YAML document with a few aliases passes", async () => {
    const body = "base: &b { retries: 3 }\nprod: *b\nstaging: *b\n";
    const res = await post("/import/yaml", "application/yaml", body);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.body, body);
  });

  test("a YAML document with '*' in a string is not taken for an alias", async () => {
    const res = await post("/import/yaml", "application/yaml", 'glob: "*.txt"\n');
    assert.equal(res.status, 200);
  });
});

describe("JSON bodies (EXT-06)", () => {
  test("nesting deeper than the limit is refused", async () => {
    const res = await post(
      "/import/json",
      "application/json",
      `${"[".repeat(50)}${"]".repeat(50)}`,
    );
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("brackets inside strings do not count as nesting", async () => {
    const body = JSON.stringify({
      text: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
      escaped: '\\"[[[[[[[[[[[[',
    });
    const res = await post("/import/json", "application/json", body);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.body, body);
  });

  test("bypass: nesting after a long string that ends in an escaped backslash is counted", async () => {
    const long = "x".repeat(40);
    const deep = JSON.stringify({
      a: `${long}\\`,
      b: JSON.parse(`${"[".repeat(50)}${"]".repeat(50)}`),
    });
    const res = await post("/import/json", "application/json", deep);
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
    // And the other way: escaped quotes in a long string do not end it early.
    const quoted = JSON.stringify({ a: `${long}"${"[".repeat(80)}"${long}` });
    const ok = await post("/import/json", "application/json", quoted);
    assert.equal(ok.status, 200);
    assert.equal(upstream.requests[0]?.body, quoted);
  });

  test("a document within the depth limit passes untouched", async () => {
    const body = JSON.stringify({ a: { b: { c: [1, 2, { d: true }] } } });
    const res = await post("/import/json", "application/json", body);
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.body, body);
  });
});
