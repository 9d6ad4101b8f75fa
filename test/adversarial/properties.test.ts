// Property-based attack on the guard (fast-check): generated raw requests built from a dictionary
// of dangerous path fragments, header tricks, framings and bodies. Properties: the guard keeps
// answering; the upstream only ever sees canonical paths of routes the client may use; every
// refusal is a well-formed application/problem+json, or Node's bare parser answer and a closed
// connection.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import {
  API_KEY,
  assertProblem,
  exchange,
  http11,
  lenientPath,
  startTarget,
  type Target,
} from "./fixture.js";

const NUM_RUNS = 150;

let target: Target;
before(async () => {
  target = await startTarget({ server: { headersTimeoutMs: 2000, requestTimeoutMs: 3000 } });
});
after(() => target.close());

const FRAGMENTS = [
  "admin",
  "private",
  "public",
  "api",
  "items",
  "upload",
  "a",
  "file.txt",
  "..",
  ".",
  "...",
  "admin.",
  "ADMIN",
  "%61dmin",
  "%2e",
  "%2E%2e",
  "%2f",
  "%2F",
  "%5c",
  "%00",
  "%252e",
  "%252f",
  "%25",
  "%zz",
  "\\",
  ";x=1",
  "",
  "%EF%BC%8F",
  "%EF%BC%8E%EF%BC%8E",
  "%EF%BD%81dmin",
  "%E2%80%A4",
  "%C0%AE",
  "%C0%AF",
  "%C3%A9",
  "~",
  "%20",
  "?q=..%2f",
  "?access_token=x",
];

const HEADERS = [
  "Content-Type: application/json",
  "Content-Type: application/xml",
  "Content-Type: application/yaml",
  "Content-Type: application/octet-stream",
  "Content-Type: text/plain",
  "X-Forwarded-For: 10.0.0.1",
  "X-Real-IP: 10.0.0.1",
  "Authorization: Bearer a.b.c",
  `X-Api-Key: ${API_KEY}`,
  "X-Api-Key: wrong",
  "X-Auth-Key: forged",
  "Connection: x-forwarded-for, x-auth-key, x-api-key",
  "X-HTTP-Method-Override: DELETE",
  "Host: evil.test",
  "X-Folded: a\r\n b",
  "Transfer-Encoding: chunked ,",
  "Transfer-Encoding: xchunked",
  "Transfer-Encoding : chunked",
  "Transfer-Encoding: identity",
  "Content-Length: 0",
  "Content-Length: 3, 3",
];

const BODIES = [
  "",
  "{}",
  '{"a":[1,2,3]}',
  "[".repeat(100),
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
  "<r>plain</r>",
  "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
  "GET /admin HTTP/1.1\r\nHost: example.test\r\n\r\n",
  "0\r\n\r\nGET /private HTTP/1.1\r\nHost: example.test\r\n\r\n",
];

type Framing = "none" | "length" | "chunked" | "both" | "short";

const requestArb = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constantFrom("GET", "POST"), weight: 3 },
    {
      arbitrary: fc.constantFrom("HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "get", "PATCH"),
      weight: 1,
    },
  ),
  // A route prefix, so that some requests are allowed and the rest attack a real route.
  prefix: fc.constantFrom(
    "/public/a",
    "/public/",
    "/api/items",
    "/upload",
    "/private",
    "/admin",
    "/",
  ),
  // Benign choices are weighted in so that a fair share of requests is forwarded (and checked).
  parts: fc.oneof(
    { arbitrary: fc.constant<[string, string][]>([]), weight: 2 },
    {
      arbitrary: fc.array(
        fc.tuple(fc.constantFrom(...FRAGMENTS), fc.constantFrom<string>("/", "")),
        {
          maxLength: 3,
        },
      ),
      weight: 3,
    },
  ),
  headers: fc.oneof(
    { arbitrary: fc.constant<string[]>(["Content-Type: application/json"]), weight: 2 },
    { arbitrary: fc.subarray(HEADERS, { maxLength: 3 }), weight: 3 },
  ),
  framing: fc.constantFrom<Framing>("none", "none", "length", "chunked", "both", "short"),
  body: fc.oneof(fc.constantFrom(...BODIES), fc.string({ maxLength: 40 })),
});

type Generated = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function bytesOf(r: Generated): { bytes: string; target: string } {
  const target = `${r.prefix}${r.parts.map(([fragment, sep]) => fragment + sep).join("")}`;
  const body = Buffer.from(r.body, "utf8").toString("latin1");
  const lines = [...r.headers];
  let payload = "";
  if (r.framing === "length" || r.framing === "both" || r.framing === "short")
    lines.push(`Content-Length: ${body.length + (r.framing === "short" ? 10 : 0)}`);
  if (r.framing === "chunked" || r.framing === "both") {
    lines.push("Transfer-Encoding: chunked");
    payload = `${body.length > 0 ? `${body.length.toString(16)}\r\n${body}\r\n` : ""}0\r\n\r\n`;
  } else if (r.framing !== "none") payload = body;
  lines.push("Connection: close");
  return { bytes: http11(r.method, target, lines, payload), target };
}

/** A path the upstream may see: a canonical path of a route this client may use. */
function allowedUpstreamPath(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  const canonical =
    /^\/(public\/[^/]*|api\/items|upload|private)$/.test(path) &&
    !/%(2[EeFf5]|5[Cc]|00)|;|\\|\.$/.test(path) &&
    !/\/\.\.?(\/|$)/.test(path);
  const lenient = lenientPath(path);
  return (
    canonical &&
    (lenient === "/public" || lenient.startsWith("/public/") || lenient === path.toLowerCase())
  );
}

test(`generated hostile requests (${NUM_RUNS} runs): never a crash, never a blocked route upstream, every refusal a problem`, async (t) => {
  let refusals = 0;
  let forwarded = 0;
  const statuses = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(requestArb, async (generated) => {
      target.upstream.reset();
      const { bytes } = bytesOf(generated);
      // A request whose declared body never comes may get no answer: no need to wait long.
      const ex = await exchange(target.url, bytes, {
        idleMs: generated.framing === "short" ? 250 : 2000,
      });

      const key = ex.responses.map((r) => r.status).join("+") || (ex.closed ? "closed" : "none");
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      for (const res of ex.responses) {
        if (res.status < 400) continue;
        refusals++;
        if (res.headers["content-type"] === "application/problem+json") {
          if (generated.method === "HEAD") assert.equal(res.body, "");
          else assertProblem(res);
        } else assert.ok(ex.closed, `a bare ${res.status} left the connection open`);
      }
      if (ex.responses.length === 0)
        assert.ok(
          ex.closed || generated.framing === "short",
          `no answer to a complete request: ${JSON.stringify(bytes.slice(0, 200))}`,
        );

      for (const seen of target.upstream.requests) {
        forwarded++;
        assert.ok(
          allowedUpstreamPath(seen.url),
          `the upstream saw ${seen.url} for ${bytes.slice(0, 120)}`,
        );
        if (seen.url.split("?")[0] === "/private")
          assert.equal(seen.headers["x-auth-key"], "ci", "/private reached without the API key");
      }

      const control = await exchange(
        target.url,
        http11("GET", "/public/control", ["Connection: close"]),
      );
      assert.deepEqual(
        control.responses.map((r) => r.status),
        [200],
        "the guard stopped answering a control request",
      );
    }),
    { numRuns: NUM_RUNS },
  );
  t.diagnostic(`${refusals} refusals checked, ${forwarded} forwarded requests checked`);
  t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok(refusals > NUM_RUNS / 3, "the generator rarely produced a refused request");
  assert.ok(forwarded > 0, "the generator never produced an allowed request");
});
