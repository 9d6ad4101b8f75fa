import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { RampartError } from "../../src/core/errors.js";
import { type GuardFlags, loadGuard } from "../../src/guard/config/load.js";
import { watchReload } from "../../src/guard/reload.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { runCli } from "../helpers/cli.js";
import {
  type LogSink,
  logSink,
  type RecordingUpstream,
  sendPath,
  startUpstream,
} from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-validation-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The API description the tests guard: one operation per location and keyword. */
function documentText(overrides: { userName?: Record<string, unknown> } = {}): string {
  const ok = { "200": { description: "ok" } };
  const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
  return JSON.stringify({
    openapi: "3.0.3",
    info: { title: "t", version: "1" },
    security: [],
    paths: {
      "/users/{id}": {
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
        ],
        get: {
          operationId: "getUser",
          parameters: [
            { name: "fields", in: "query", schema: { type: "string", enum: ["short", "long"] } },
            { name: "limit", in: "query", schema: { type: "integer", maximum: 50 } },
            {
              name: "X-Request-Id",
              in: "header",
              schema: { type: "string", format: "uuid" },
            },
            { name: "theme", in: "cookie", schema: { type: "string", pattern: "^[a-z]{1,10}$" } },
          ],
          responses: {
            "200": { description: "the user", ...json({ $ref: "#/components/schemas/User" }) },
            "404": { description: "none" },
          },
        },
        patch: {
          operationId: "updateUser",
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/User" }) },
          responses: {
            "200": { description: "ok", ...json({ $ref: "#/components/schemas/User" }) },
          },
        },
      },
      "/search": {
        get: {
          operationId: "search",
          parameters: [
            { name: "q", in: "query", required: true, schema: { type: "string", maxLength: 20 } },
          ],
          responses: ok,
        },
      },
      "/open": {
        post: {
          operationId: "postOpen",
          requestBody: json({ type: "object", properties: { a: { type: "string" } } }),
          responses: { "200": { description: "ok", ...json({ type: "object" }) } },
        },
      },
      "/forms": {
        post: {
          operationId: "postForm",
          requestBody: {
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  required: ["count"],
                  properties: { count: { type: "integer", minimum: 1 }, note: { type: "string" } },
                },
              },
            },
          },
          responses: ok,
        },
      },
      "/files": {
        post: {
          operationId: "upload",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  required: ["file"],
                  properties: {
                    file: { type: "string", format: "binary" },
                    title: { type: "string" },
                  },
                },
              },
            },
          },
          responses: ok,
        },
      },
    },
    components: {
      schemas: {
        User: {
          type: "object",
          additionalProperties: false,
          required: ["id", "name"],
          properties: {
            id: { type: "integer", readOnly: true },
            name: overrides.userName ?? {
              type: "string",
              minLength: 1,
              maxLength: 10,
              pattern: "^[A-Za-z ]+$",
            },
            email: { type: "string", format: "email" },
            age: { type: "integer", minimum: 0, maximum: 150 },
            role: { type: "string", enum: ["user", "editor"] },
            password: { type: "string", writeOnly: true },
            friends: { type: "array", maxItems: 3, items: { $ref: "#/components/schemas/User" } },
          },
        },
      },
    },
  });
}

interface Setup {
  readonly guard: Guard;
  readonly upstream: RecordingUpstream;
  readonly log: LogSink;
  readonly flags: GuardFlags;
}

/** A guard validating against the document, with `validation` options in `defaults.policies`. */
async function setup(
  name: string,
  validation: Record<string, unknown> = {},
  text = documentText(),
): Promise<Setup> {
  const sub = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(sub, "openapi.json"), text);
  writeFileSync(
    join(sub, "rampart.yaml"),
    stringify({ guard: { defaults: { policies: { validation } } } }),
  );
  const upstream = await startUpstream();
  const flags: GuardFlags = {
    config: join(sub, "rampart.yaml"),
    openapi: join(sub, "openapi.json"),
    upstream: upstream.url,
    listen: "127.0.0.1:0",
  };
  const log = logSink();
  const guard = await startGuard({ table: await loadGuard(flags, sub), log });
  return { guard, upstream, log, flags };
}

async function teardown(s: Setup): Promise<void> {
  await s.guard.close();
  await s.upstream.close();
}

const JSON_HEADERS = { "content-type": "application/json" };

function patch(s: Setup, body: unknown, path = "/users/7") {
  return sendPath(s.guard.url, path, {
    method: "PATCH",
    headers: JSON_HEADERS,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Asserts a 400 problem naming `location`, and that the upstream never saw the request. */
function assertRefused(
  res: { status: number; headers: Record<string, unknown>; body: string },
  location: RegExp,
  s: Setup,
): void {
  assert.equal(res.status, 400, res.body);
  assert.equal(res.headers["content-type"], "application/problem+json");
  const problem = JSON.parse(res.body) as { detail: string };
  assert.match(problem.detail, /^The request does not match the API description: /);
  assert.match(problem.detail, location);
  assert.equal(s.upstream.requests.length, 0, "the upstream saw a refused request");
}

describe("the positive model: requests, every location both ways", () => {
  let s: Setup;
  before(async () => {
    s = await setup("enforce");
  });
  after(() => teardown(s));

  test("a request that matches the document passes to the upstream unchanged", async () => {
    s.upstream.reset();
    const res = await sendPath(s.guard.url, "/users/7?fields=short&limit=5", {
      headers: { "x-request-id": "0b8e9e4a-1c1e-4b7a-9d9f-2f6f0a3a1b2c", cookie: "theme=dark" },
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(s.upstream.requests[0]?.url, "/users/7?fields=short&limit=5");
    const body = { name: "Ada", email: "ada@example.com", age: 36, role: "editor" };
    s.upstream.reset();
    assert.equal((await patch(s, body)).status, 200);
    assert.deepEqual(JSON.parse(s.upstream.requests[0]?.body ?? ""), body);
  });

  test("path parameter: type and minimum refused, naming the parameter", async () => {
    s.upstream.reset();
    assertRefused(
      await sendPath(s.guard.url, "/users/abc"),
      /path parameter "id" must be integer/,
      s,
    );
    assertRefused(await sendPath(s.guard.url, "/users/0"), /path parameter "id" must be >= 1/, s);
  });

  test("query parameter: enum, maximum, a missing required one and an undeclared one are refused", async () => {
    s.upstream.reset();
    assertRefused(
      await sendPath(s.guard.url, "/users/7?fields=all"),
      /query parameter "fields" must be one of/,
      s,
    );
    assertRefused(
      await sendPath(s.guard.url, "/users/7?limit=51"),
      /query parameter "limit" must be <= 50/,
      s,
    );
    assertRefused(await sendPath(s.guard.url, "/search"), /query parameter "q" is required/, s);
    assertRefused(
      await sendPath(s.guard.url, "/search?q=a&debug=1"),
      /query parameter "debug" is not declared/,
      s,
    );
    assertRefused(
      await sendPath(s.guard.url, `/search?q=${"x".repeat(21)}`),
      /query parameter "q" must NOT have more than 20 characters/,
      s,
    );
    assert.equal((await sendPath(s.guard.url, "/search?q=shoes")).status, 200);
  });

  test("header: a declared header's format is enforced; undeclared headers pass", async () => {
    s.upstream.reset();
    assertRefused(
      await sendPath(s.guard.url, "/users/7", { headers: { "x-request-id": "not-a-uuid" } }),
      /header "x-request-id" must be a valid uuid/,
      s,
    );
    const res = await sendPath(s.guard.url, "/users/7", { headers: { "x-anything": "goes" } });
    assert.equal(res.status, 200);
  });

  test("cookie: a declared cookie's pattern is enforced; other cookies pass", async () => {
    s.upstream.reset();
    assertRefused(
      await sendPath(s.guard.url, "/users/7", { headers: { cookie: "theme=DARK1" } }),
      /cookie "theme" must match pattern/,
      s,
    );
    assert.equal(
      (await sendPath(s.guard.url, "/users/7", { headers: { cookie: "theme=dark; other=X!" } }))
        .status,
      200,
    );
  });

  test("JSON body: type, length, pattern, format, range, enum, required and an undeclared property are refused", async () => {
    s.upstream.reset();
    const cases: [unknown, RegExp][] = [
      [{ name: 5 }, /body \/name must be string/],
      [{ name: "" }, /body \/name must NOT have fewer than 1 characters/],
      [{ name: "A".repeat(11) }, /body \/name must NOT have more than 10 characters/],
      [{ name: "Ada<1>" }, /body \/name must match pattern/],
      [{ name: "Ada", email: "nope" }, /body \/email must be a valid email/],
      [{ name: "Ada", age: 151 }, /body \/age must be <= 150/],
      [{ name: "Ada", role: "admin" }, /body \/role must be one of the values/],
      [{ email: "ada@example.com" }, /body \/name is required/],
      [{ name: "Ada", isAdmin: true }, /body \/isAdmin is not declared by the API description/],
      [
        { name: "Ada", friends: [{ name: "B" }, { name: "C" }, { name: "D" }, { name: "E" }] },
        /body \/friends must NOT have more than 3 items/,
      ],
      [{ name: "Ada", friends: [{ name: 1 }] }, /body \/friends\/0\/name must be string/],
      ["[1,2]", /body must be object/],
    ];
    for (const [body, location] of cases) assertRefused(await patch(s, body), location, s);
  });

  test("lengths count characters, not UTF-16 units: a surrogate pair is one character, either way", async () => {
    const t = await setup(
      "lengths",
      {},
      documentText({ userName: { type: "string", minLength: 2, maxLength: 3 } }),
    );
    try {
      // 3 characters in 4 code units, 2 in 4, and 2 in 3: all within 2..3.
      for (const name of ["a\u{1F600}b", "\u{1F600}\u{1F600}", "\u{1F600}a"]) {
        t.upstream.reset();
        const res = await patch(t, { name });
        assert.equal(res.status, 200, `${JSON.stringify(name)}: ${res.body}`);
        assert.equal(JSON.parse(t.upstream.requests[0]?.body ?? "{}").name, name);
      }
      t.upstream.reset();
      // 4 characters in 5 code units; 1 character in 2 code units; 4 lone surrogates.
      const cases: [string, RegExp][] = [
        ["a\u{1F600}bc", /body \/name must NOT have more than 3 characters/],
        ["\u{1F600}", /body \/name must NOT have fewer than 2 characters/],
        ["\ud800\ud800\ud800\ud800", /body \/name must NOT have more than 3 characters/],
      ];
      for (const [name, location] of cases) assertRefused(await patch(t, { name }), location, t);
    } finally {
      await teardown(t);
    }
  });

  test("mass assignment: a readOnly property is refused in a request (EXT-05)", async () => {
    s.upstream.reset();
    assertRefused(await patch(s, { id: 1, name: "Ada" }), /body \/id is read-only/, s);
    // ...and it is not required there, though the schema requires it (responses only).
    assert.equal((await patch(s, { name: "Ada" })).status, 200);
  });

  test("a missing required body is refused", async () => {
    s.upstream.reset();
    assertRefused(
      await sendPath(s.guard.url, "/users/7", { method: "PATCH", headers: JSON_HEADERS }),
      /body is required/,
      s,
    );
  });

  test("an open schema lets undeclared properties through, as the document says", async () => {
    s.upstream.reset();
    const res = await sendPath(s.guard.url, "/open", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ a: "x", extra: 1 }),
    });
    assert.equal(res.status, 200);
    s.upstream.reset();
    assertRefused(
      await sendPath(s.guard.url, "/open", {
        method: "POST",
        headers: JSON_HEADERS,
        body: '{"a":1}',
      }),
      /body \/a must be string/,
      s,
    );
  });

  test("form body: values are read as the schema types them; a bad one is refused", async () => {
    s.upstream.reset();
    const form = { "content-type": "application/x-www-form-urlencoded" };
    assertRefused(
      await sendPath(s.guard.url, "/forms", { method: "POST", headers: form, body: "count=0" }),
      /body \/count must be >= 1/,
      s,
    );
    assertRefused(
      await sendPath(s.guard.url, "/forms", { method: "POST", headers: form, body: "note=x" }),
      /body \/count is required/,
      s,
    );
    const ok = await sendPath(s.guard.url, "/forms", {
      method: "POST",
      headers: form,
      body: "count=3&note=hi",
    });
    assert.equal(ok.status, 200);
    assert.equal(s.upstream.requests[0]?.body, "count=3&note=hi");
  });

  test("multipart body: an undeclared field name and a missing required one are refused", async () => {
    s.upstream.reset();
    const part = (name: string) =>
      `--XyZ\r\nContent-Disposition: form-data; name="${name}"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n`;
    const headers = { "content-type": "multipart/form-data; boundary=XyZ" };
    const send = (body: string) =>
      sendPath(s.guard.url, "/files", { method: "POST", headers, body });
    assertRefused(
      await send(`${part("file")}${part("owner")}--XyZ--\r\n`),
      /body has a field the API description does not declare/,
      s,
    );
    assertRefused(await send(`${part("title")}--XyZ--\r\n`), /body field "file" is required/, s);
    assert.equal((await send(`${part("file")}${part("title")}--XyZ--\r\n`)).status, 200);
  });

  test("the problem never echoes the value sent, nor an odd property name", async () => {
    s.upstream.reset();
    const value = "<img src=x onerror=alert(1)>";
    const res = await patch(s, { name: value });
    assert.equal(res.status, 400);
    assert.ok(!res.body.includes("onerror"), res.body);
    const odd = await patch(s, { name: "Ada", [value]: 1 });
    assert.equal(odd.status, 400);
    assert.ok(!odd.body.includes("onerror"), odd.body);
    const query = await sendPath(s.guard.url, `/users/7?fields=${encodeURIComponent(value)}`);
    assert.ok(!query.body.includes("onerror"), query.body);
  });

  test("refusals are counted by operation and reason", async () => {
    const text = await s.guard.metrics.registry.metrics();
    assert.match(
      text,
      /rampart_guard_validation_total\{operation="updateUser",reason="read-only",action="refused"\} [1-9]/,
    );
    assert.match(
      text,
      /rampart_guard_validation_total\{operation="getUser",reason="enum",action="refused"\} [1-9]/,
    );
  });
});

describe("the positive model: strip and report modes", () => {
  test("strip: undeclared properties of a closed schema are removed before forwarding; readOnly ones are still refused", async () => {
    const s = await setup("strip", { unknownProperties: "strip" });
    try {
      const res = await patch(s, { name: "Ada", isAdmin: true });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(JSON.parse(s.upstream.requests[0]?.body ?? ""), { name: "Ada" });
      assert.equal(
        s.upstream.requests[0]?.headers["content-length"],
        String('{"name":"Ada"}'.length),
      );
      s.upstream.reset();
      assertRefused(await patch(s, { id: 9, name: "Ada" }), /body \/id is read-only/, s);
    } finally {
      await teardown(s);
    }
  });

  test("strip on a gzip body: the upstream gets the decoded body without the member, its length matching", async () => {
    const s = await setup("strip-gzip", { unknownProperties: "strip" });
    try {
      const res = await sendPath(s.guard.url, "/users/7", {
        method: "PATCH",
        headers: { ...JSON_HEADERS, "content-encoding": "gzip" },
        body: gzipSync(JSON.stringify({ name: "Ada", isAdmin: true })),
      });
      assert.equal(res.status, 200, res.body);
      const seen = s.upstream.requests[0];
      assert.equal(seen?.body, '{"name":"Ada"}');
      assert.equal(seen?.headers["content-length"], "14");
      assert.equal(seen?.headers["content-encoding"], undefined);
    } finally {
      await teardown(s);
    }
  });

  test("report: a request that does not match is forwarded, logged and counted, not refused", async () => {
    const s = await setup("report", { mode: "report" });
    try {
      const res = await patch(s, { id: 1, name: "Ada" });
      assert.equal(res.status, 200);
      assert.equal(s.upstream.requests.length, 1);
      const line = s.log.lines.find((l) => l.event === "validation-report");
      assert.equal(line?.operation, "updateUser");
      assert.equal(line?.reason, "read-only");
      assert.equal(line?.location, "body /id");
      assert.match(
        await s.guard.metrics.registry.metrics(),
        /rampart_guard_validation_total\{operation="updateUser",reason="read-only",action="reported"\} 1/,
      );
    } finally {
      await teardown(s);
    }
  });

  test("off on one route: that route is not validated, the others are", async () => {
    const sub = mkdtempSync(join(dir, "off-"));
    writeFileSync(join(sub, "openapi.json"), documentText());
    writeFileSync(
      join(sub, "rampart.yaml"),
      stringify({
        guard: {
          routes: [{ path: "/search", public: true, policies: { validation: { mode: "off" } } }],
        },
      }),
    );
    const upstream = await startUpstream();
    const guard = await startGuard({
      table: await loadGuard(
        {
          config: join(sub, "rampart.yaml"),
          openapi: join(sub, "openapi.json"),
          upstream: upstream.url,
          listen: "127.0.0.1:0",
        },
        sub,
      ),
      log: logSink(),
    });
    try {
      assert.equal((await sendPath(guard.url, "/search?debug=1")).status, 200);
      assert.equal((await sendPath(guard.url, "/users/0")).status, 400);
    } finally {
      await guard.close();
      await upstream.close();
    }
  });
});

describe("the positive model: responses", () => {
  let s: Setup;
  before(async () => {
    s = await setup("responses");
  });
  after(() => teardown(s));

  const user = {
    id: 7,
    name: "Ada",
    password: "hunter2",
    passwordHash: "$2b$10$abcdefghijklmnopqrstuv",
    friends: [{ id: 8, name: "Bo", ssn: "123-45-6789" }],
  };

  test("undeclared and writeOnly properties are removed from a JSON response, at every depth (OUT-06)", async () => {
    s.upstream.reply = () => ({
      body: JSON.stringify(user),
      headers: { "content-type": "application/json" },
    });
    const res = await sendPath(s.guard.url, "/users/7");
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      id: 7,
      name: "Ada",
      friends: [{ id: 8, name: "Bo" }],
    });
    assert.equal(res.headers["content-length"], String(Buffer.byteLength(res.body)));
    const line = s.log.lines.find((l) => l.event === "response-properties");
    assert.deepEqual(line?.properties, ["/password", "/passwordHash", "/friends/0/ssn"]);
    assert.ok(!s.log.text().includes("hunter2"), "the log holds no removed value");
  });

  test("a JSON body mislabelled as text/html is filtered too, before it is relabelled", async () => {
    s.upstream.reply = () => ({
      body: JSON.stringify(user),
      headers: { "content-type": "text/html" },
    });
    const res = await sendPath(s.guard.url, "/users/7");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(res.body), {
      id: 7,
      name: "Ada",
      friends: [{ id: 8, name: "Bo" }],
    });
  });

  test("a response that matches the document goes out byte for byte", async () => {
    const text = '{ "id": 7,  "name": "Ada" }';
    s.upstream.reply = () => ({ body: text, headers: { "content-type": "application/json" } });
    assert.equal((await sendPath(s.guard.url, "/users/7")).body, text);
  });

  test("bypass: members spelt with escapes, or after a string ending in a backslash, are still removed", async () => {
    for (const [body, kept] of [
      ['{"id":7,"name":"Ada","pass\\u0077ord":"hunter2"}', { id: 7, name: "Ada" }],
      ['{"id":7,"name":"A\\\\","passwordHash":"x"}', { id: 7, name: "A\\" }],
      ['{ "id" : 7 ,\n\t"name" : "Ada" ,\r\n "ssn" : "123" }', { id: 7, name: "Ada" }],
    ] as const) {
      s.upstream.reply = () => ({ body, headers: { "content-type": "application/json" } });
      const res = await sendPath(s.guard.url, "/users/7");
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), kept, body);
    }
  });

  test("a string that only looks like a member is one value, and goes out byte for byte", async () => {
    const text = '{"id":7,"name":"A\\",\\"passwordHash\\":\\"x"}';
    s.upstream.reply = () => ({ body: text, headers: { "content-type": "application/json" } });
    assert.equal((await sendPath(s.guard.url, "/users/7")).body, text);
  });

  test("a free-form response schema (type: object) keeps everything", async () => {
    s.upstream.reply = () => ({
      body: '{"anything":1}',
      headers: { "content-type": "application/json" },
    });
    const res = await sendPath(s.guard.url, "/open", {
      method: "POST",
      headers: JSON_HEADERS,
      body: "{}",
    });
    assert.deepEqual(JSON.parse(res.body), { anything: 1 });
  });

  test("an undeclared status is reported (metric and log) and passes by default", async () => {
    s.upstream.reply = () => ({
      status: 418,
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    const res = await sendPath(s.guard.url, "/users/7");
    assert.equal(res.status, 418);
    assert.ok(s.log.lines.some((l) => l.event === "undeclared-status" && l.upstreamStatus === 418));
    assert.match(
      await s.guard.metrics.registry.metrics(),
      /rampart_guard_validation_total\{operation="getUser",reason="undeclared-status",action="reported"\} 1/,
    );
    s.upstream.reply = () => ({ status: 404, body: "" });
    await sendPath(s.guard.url, "/users/7");
    assert.equal(
      s.log.lines.filter((l) => l.event === "undeclared-status").length,
      1,
      "404 is declared",
    );
  });

  test("block and problem: the response is withheld with 502 instead", async () => {
    const b = await setup("block", { responses: "block", undeclaredStatus: "problem" });
    try {
      b.upstream.reply = () => ({
        body: JSON.stringify(user),
        headers: { "content-type": "application/json" },
      });
      const res = await sendPath(b.guard.url, "/users/7");
      assert.equal(res.status, 502);
      assert.ok(!res.body.includes("hunter2"));
      b.upstream.reply = () => ({
        body: '{"id":1,"name":"A"}',
        headers: { "content-type": "application/json" },
      });
      assert.equal((await sendPath(b.guard.url, "/users/7")).status, 200);
      b.upstream.reply = () => ({ status: 418, body: "{}" });
      const teapot = await sendPath(b.guard.url, "/users/7");
      assert.equal(teapot.status, 502);
      assert.match(teapot.body, /status its API description does not declare/);
    } finally {
      await teardown(b);
    }
  });

  test("report: the response goes out as it came, and what would be removed is logged", async () => {
    const r = await setup("response-report", { responses: "report" });
    try {
      r.upstream.reply = () => ({
        body: JSON.stringify(user),
        headers: { "content-type": "application/json" },
      });
      const res = await sendPath(r.guard.url, "/users/7");
      assert.deepEqual(JSON.parse(res.body), user);
      assert.ok(
        r.log.lines.some((l) => l.event === "response-properties" && l.action === "reported"),
      );
    } finally {
      await teardown(r);
    }
  });
});

describe("the positive model: ReDoS-prone patterns and reload", () => {
  for (const pattern of ["^(a+)+$", "^(\\w|\\d)+$", "^(a|a)*$", "^([a-z]*)*@x$"])
    test(`a document with the pattern ${pattern} is refused at load, naming where it is`, async () => {
      const sub = mkdtempSync(join(dir, "redos-"));
      writeFileSync(
        join(sub, "openapi.json"),
        documentText({ userName: { type: "string", pattern } }),
      );
      const error = await loadGuard(
        { openapi: "openapi.json", upstream: "http://127.0.0.1:9" },
        sub,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof RampartError, String(error));
      assert.equal(error.code, "ERR_CONFIG_INVALID");
      const problems = JSON.stringify(error.problems);
      assert.match(problems, /catastrophic backtracking/);
      assert.match(problems, /openapi\.json:\d+:\d+/);
    });

  test("a safe pattern loads, and validation off loads a risky one without reading it", async () => {
    const sub = mkdtempSync(join(dir, "redos-ok-"));
    writeFileSync(
      join(sub, "safe.json"),
      documentText({ userName: { type: "string", pattern: "^[a-z]+(-[a-z]+){0,5}$" } }),
    );
    await loadGuard({ openapi: "safe.json", upstream: "http://127.0.0.1:9" }, sub);
    writeFileSync(
      join(sub, "risky.json"),
      documentText({ userName: { type: "string", pattern: "^(a+)+$" } }),
    );
    writeFileSync(
      join(sub, "off.yaml"),
      stringify({ guard: { defaults: { policies: { validation: { mode: "off" } } } } }),
    );
    await loadGuard(
      { config: "off.yaml", openapi: "risky.json", upstream: "http://127.0.0.1:9" },
      sub,
    );
  });

  test("reload with a changed document: the new schemas apply at once, a refused one keeps the old", async () => {
    const s = await setup("reload");
    const reloader = watchReload(s.guard, () => loadGuard(s.flags, dir), []);
    try {
      assert.equal((await patch(s, { name: "Ada Lovelace" })).status, 400, "maxLength 10");
      writeFileSync(
        s.flags.openapi as string,
        documentText({ userName: { type: "string", maxLength: 40 } }),
      );
      assert.equal(await reloader.reload(), true);
      assert.equal((await patch(s, { name: "Ada Lovelace" })).status, 200);
      writeFileSync(
        s.flags.openapi as string,
        documentText({ userName: { type: "string", pattern: "(x+x+)+y" } }),
      );
      assert.equal(await reloader.reload(), false);
      assert.ok(s.log.lines.some((l) => l.event === "reload-refused"));
      assert.equal(
        (await patch(s, { name: "Ada Lovelace" })).status,
        200,
        "the last good document serves",
      );
    } finally {
      reloader.close();
      await teardown(s);
    }
  });
});

describe("rampart guard --check: what the positive model will validate", () => {
  test("one line per operation with its parameters, bodies and filtered responses; routes outside the document say so", async () => {
    const sub = mkdtempSync(join(dir, "check-"));
    writeFileSync(join(sub, "openapi.json"), documentText());
    writeFileSync(
      join(sub, "rampart.yaml"),
      stringify({
        guard: {
          routes: [
            { path: "/static/:file", public: true },
            { path: "/search", public: true, policies: { validation: { mode: "report" } } },
          ],
        },
      }),
    );
    const { code, stdout, stderr } = await runCli(
      [
        "guard",
        "-c",
        "rampart.yaml",
        "--openapi",
        "openapi.json",
        "--upstream",
        "http://127.0.0.1:9",
        "--check",
      ],
      { cwd: sub },
    );
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /validation enforce GET \/users\/\{id\} \(getUser\): path=id query=fields,limit headers=x-request-id cookies=theme undeclared-query=refused responses=200,404 filtered=200\(remove\)/,
    );
    assert.match(
      stdout,
      /validation enforce PATCH \/users\/\{id\} \(updateUser\): path=id undeclared-query=refused body=application\/json\(required\) unknownProperties=refuse/,
    );
    assert.match(stdout, /validation report GET \/search \(search\): query=q/);
    assert.match(
      stdout,
      /\/static\/:file .*\n {6}validation none: no operation of the OpenAPI document/,
    );
  });
});

describe("the positive model on a Swagger 2.0 document", () => {
  test("parameters that are their own schema, and a body parameter, are validated both ways", async () => {
    const text = JSON.stringify({
      swagger: "2.0",
      info: { title: "t", version: "1" },
      security: [],
      consumes: ["application/json"],
      produces: ["application/json"],
      paths: {
        "/items": {
          post: {
            operationId: "addItem",
            parameters: [
              { name: "dryRun", in: "query", type: "boolean", required: false },
              {
                name: "body",
                in: "body",
                required: true,
                schema: {
                  type: "object",
                  required: ["qty"],
                  properties: { qty: { type: "integer", minimum: 1, "x-nullable": true } },
                },
              },
            ],
            responses: { "200": { description: "ok" } },
          },
        },
      },
    });
    const s = await setup("swagger", {}, text);
    try {
      const post = (query: string, body: unknown) =>
        sendPath(s.guard.url, `/items${query}`, {
          method: "POST",
          headers: JSON_HEADERS,
          body: JSON.stringify(body),
        });
      assert.equal((await post("?dryRun=true", { qty: 2 })).status, 200);
      assert.equal((await post("", { qty: null })).status, 200, "x-nullable");
      s.upstream.reset();
      assertRefused(
        await post("?dryRun=maybe", { qty: 2 }),
        /query parameter "dryRun" must be boolean/,
        s,
      );
      assertRefused(await post("", { qty: 0 }), /body \/qty must be >= 1/, s);
    } finally {
      await teardown(s);
    }
  });
});
