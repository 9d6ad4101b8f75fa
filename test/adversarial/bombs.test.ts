// Parser bombs (EXT-06, PROC-04, PROC-05): bodies that exhaust or subvert the upstream's parser.
// Each payload is first sent straight to a recording upstream (it arrives whole: nothing but the
// guard stands between it and the parser), then through the guard, which refuses it.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type RecordingUpstream, startUpstream } from "../guard/helpers.js";
import {
  assertProblem,
  exchange,
  http11,
  type RawResponse,
  startTarget,
  type Target,
} from "./fixture.js";

let target: Target;
let unguarded: RecordingUpstream;

before(async () => {
  target = await startTarget();
  unguarded = await startUpstream();
});
after(async () => {
  await target.close();
  await unguarded.close();
});
beforeEach(() => {
  target.upstream.reset();
  unguarded.reset();
});

/** A POST of `body` (bytes as latin1) to /api/items with a declared length. */
const post = (type: string, body: string) =>
  http11(
    "POST",
    "/api/items",
    [
      `Content-Type: ${type}`,
      `Content-Length: ${Buffer.byteLength(body, "latin1")}`,
      "Connection: close",
    ],
    body,
  );

/** Sends `bytes` to the unguarded upstream: it must have received `body` whole. */
async function reachesWithoutGuard(bytes: string, body: string): Promise<void> {
  const ex = await exchange(unguarded.url, bytes);
  assert.deepEqual(
    ex.responses.map((r) => r.status),
    [200],
  );
  assert.equal(unguarded.requests.length, 1);
  assert.equal(unguarded.requests[0]?.body, Buffer.from(body, "latin1").toString("utf8"));
}

/** Sends `bytes` through the guard: a problem with `status`, nothing upstream. */
async function refusedByGuard(bytes: string, status: number): Promise<RawResponse> {
  const ex = await exchange(target.url, bytes);
  const [res] = ex.responses;
  assert.ok(res, `no answer: ${ex.text.slice(0, 200)}`);
  assertProblem(res, status);
  assert.equal(target.upstream.requests.length, 0, "the bomb reached the upstream");
  return res;
}

const BILLION_LAUGHS = [
  '<?xml version="1.0"?>',
  "<!DOCTYPE lolz [",
  ' <!ENTITY lol "lol">',
  ...Array.from(
    { length: 8 },
    (_, i) => ` <!ENTITY lol${i + 2} "${`&lol${i === 0 ? "" : i + 1};`.repeat(10)}">`,
  ),
  "]>",
  "<lolz>&lol9;</lolz>",
].join("\n");
const XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
const YAML_BOMB = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
].join("\n");

describe("JSON", () => {
  test("oversized JSON (declared Content-Length over the route's limit) is 413", async () => {
    const body = `{"a":"${"x".repeat(70 * 1024)}"}`;
    await reachesWithoutGuard(post("application/json", body), body);
    await refusedByGuard(post("application/json", body), 413);
  });

  test("oversized JSON streamed in chunks (no Content-Length) is 413", async () => {
    const body = `[${"1,".repeat(40 * 1024)}1]`;
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const bytes = http11(
      "POST",
      "/api/items",
      ["Content-Type: application/json", "Transfer-Encoding: chunked", "Connection: close"],
      chunked,
    );
    await refusedByGuard(bytes, 413);
  });

  test("deeply nested JSON (10,000 levels) is 400", async () => {
    const body = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    await reachesWithoutGuard(post("application/json", body), body);
    await refusedByGuard(post("application/json", body), 400);
  });

  test("deeply nested JSON declared with parameters and odd case (Application/JSON; charset=utf-8) is 400", async () => {
    const body = `${'{"a":'.repeat(200)}1${"}".repeat(200)}`;
    await refusedByGuard(post("Application/JSON; charset=utf-8", body), 400);
  });

  test("deeply nested JSON hidden from the depth scan behind a single-quoted '\"' (JSON5) is 400", async () => {
    // A JSON5 parser reads '"' as a one-character string; a scan that only knows "..." strings
    // would think everything after it is inside a string.
    const body = `['"', ${"[".repeat(1000)}${"]".repeat(1000)}, '"']`;
    await reachesWithoutGuard(post("application/json", body), body);
    await refusedByGuard(post("application/json", body), 400);
  });

  test("deeply nested JSON hidden behind a comment holding a '\"' (JSON5) is 400", async () => {
    const body = `[ // "\n${"[".repeat(1000)}${"]".repeat(1000)} // "\n]`;
    await refusedByGuard(post("application/json", body), 400);
  });

  test("JSON nested exactly to the limit (64) passes (control)", async () => {
    const body = `${"[".repeat(64)}${"]".repeat(64)}`;
    const ex = await exchange(target.url, post("application/json", body));
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.equal(target.upstream.requests[0]?.body, body);
  });
});

describe("XML", () => {
  test("XML billion laughs (nested entity expansion) is refused", async () => {
    await reachesWithoutGuard(post("application/xml", BILLION_LAUGHS), BILLION_LAUGHS);
    await refusedByGuard(post("application/xml", BILLION_LAUGHS), 400);
  });

  test("XML external entity (XXE, file:///etc/passwd) is refused", async () => {
    await reachesWithoutGuard(post("application/xml", XXE), XXE);
    await refusedByGuard(post("application/xml", XXE), 400);
  });

  test("XXE in UTF-16 with a byte-order mark is refused", async () => {
    const body = Buffer.from(`\ufeff${XXE}`, "utf16le").toString("latin1");
    await refusedByGuard(post("application/xml", body), 400);
  });

  test("XXE in UTF-7 (+ADw-!DOCTYPE) is refused", async () => {
    const body =
      '<?xml version="1.0" encoding="UTF-7"?>+ADw-+ACE-DOCTYPE r +AFs-+ADw-+ACE-ENTITY x SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-<r>&x;</r>';
    await reachesWithoutGuard(post("application/xml", body), body);
    await refusedByGuard(post("application/xml", body), 400);
  });

  test("XXE in EBCDIC (no ASCII '<' to scan) is refused", async () => {
    // "<!DOCTYPE" in IBM037: 4C 5A C4 D6 C3 E3 E8 D7 C5.
    const body = Buffer.from([0x4c, 0x5a, 0xc4, 0xd6, 0xc3, 0xe3, 0xe8, 0xd7, 0xc5, 0x40]).toString(
      "latin1",
    );
    await refusedByGuard(post("application/xml", body), 400);
  });

  test("plain XML, UTF-8 declared, passes (control)", async () => {
    const body = '<?xml version="1.0" encoding="UTF-8"?><item><name>a</name></item>';
    const ex = await exchange(target.url, post("application/xml", body));
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.equal(target.upstream.requests[0]?.body, body);
  });
});

describe("YAML", () => {
  test("YAML alias bomb (9^5 nodes from 45 aliases) is refused", async () => {
    await reachesWithoutGuard(post("application/yaml", YAML_BOMB), YAML_BOMB);
    await refusedByGuard(post("application/yaml", YAML_BOMB), 400);
  });

  test("YAML alias bomb hidden in the second document of a stream is refused", async () => {
    const body = `---\nok: 1\n---\n${YAML_BOMB}\n`;
    await reachesWithoutGuard(post("application/yaml", body), body);
    await refusedByGuard(post("application/yaml", body), 400);
  });

  test("YAML with aliases that does not parse cleanly is refused, not waved through", async () => {
    const body = `${YAML_BOMB}\n  bad: [unclosed\n`;
    await refusedByGuard(post("application/yaml", body), 400);
  });

  test("YAML with a few aliases passes (control)", async () => {
    const body = "base: &b {x: 1}\nitem: *b\n";
    const ex = await exchange(target.url, post("application/yaml", body));
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [200],
    );
    assert.equal(target.upstream.requests[0]?.body, body);
  });
});
