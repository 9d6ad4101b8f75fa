// Issue 17, cause 2 (body decoding): the guard must read a request body the way the upstream
// will (a UTF-8 BOM skipped, the declared charset, Content-Encoding undone: RFC 9110 8.4), and
// every body policy must read that one representation, which is also what is forwarded.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { guarded } from "../guard/helpers.js";
import { send } from "../helpers/demo-client.js";

const JSON_TYPE = "application/json";
const FORM = "application/x-www-form-urlencoded";

/** A login route (JSON and form) whose upstream refuses every password. */
async function loginGuard(t: TestContext) {
  const target = await guarded(t, {
    routes: [
      {
        path: "/login",
        methods: ["POST"],
        public: true,
        accepts: [JSON_TYPE],
        lockout: { username: { json: "/username" }, maxConsecutiveFailures: 3 },
      },
      {
        path: "/form-login",
        methods: ["POST"],
        public: true,
        accepts: [FORM],
        lockout: { username: { form: "username" }, maxConsecutiveFailures: 3 },
      },
    ],
  });
  target.upstream.reply = () => ({ status: 401, headers: { "content-type": JSON_TYPE } });
  return target;
}

const post = (url: string, type: string, body: string | Buffer, headers = {}) =>
  send(url, { method: "POST", headers: { "content-type": type, ...headers }, body });

async function statuses(n: number, attempt: () => Promise<{ status: number }>) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await attempt()).status);
  return out;
}

describe("request body decoding (issue 17, cause 2)", () => {
  test("BOM before a JSON login body still counts toward lockout", async (t) => {
    const { url, upstream } = await loginGuard(t);
    const body = `\ufeff${JSON.stringify({ username: "alice", password: "wrong" })}`;
    const seen = await statuses(4, () => post(`${url}/login`, JSON_TYPE, body));
    assert.deepEqual(seen, [401, 401, 401, 429]);
    assert.equal(upstream.requests.length, 3);
  });

  test("UTF-16 JSON login body still counts toward lockout", async (t) => {
    const { url, upstream } = await loginGuard(t);
    const body = Buffer.from(JSON.stringify({ username: "alice", password: "wrong" }), "utf16le");
    const type = `${JSON_TYPE}; charset=utf-16le`;
    assert.deepEqual(
      await statuses(4, () => post(`${url}/login`, type, body)),
      [401, 401, 401, 429],
    );
    // Forwarded as the guard read it: UTF-8, labelled so.
    assert.equal(upstream.requests[0]?.body, '{"username":"alice","password":"wrong"}');
    assert.equal(upstream.requests[0]?.headers["content-type"], `${JSON_TYPE}; charset=utf-8`);
  });

  test("gzip form login still counts toward lockout, and the upstream gets it decoded", async (t) => {
    const { url, upstream } = await loginGuard(t);
    const body = gzipSync("username=alice&password=wrong");
    const attempt = () => post(`${url}/form-login`, FORM, body, { "content-encoding": "gzip" });
    assert.deepEqual(await statuses(4, attempt), [401, 401, 401, 429]);
    const first = upstream.requests[0];
    assert.equal(first?.body, "username=alice&password=wrong");
    assert.equal(first?.headers["content-encoding"], undefined);
    assert.equal(first?.headers["content-length"], "29");
  });

  test("deflate and br login bodies count toward lockout too", async (t) => {
    const { url } = await loginGuard(t);
    const json = JSON.stringify({ username: "bob", password: "wrong" });
    const seen = [
      (await post(`${url}/login`, JSON_TYPE, deflateSync(json), { "content-encoding": "deflate" }))
        .status,
      (
        await post(`${url}/login`, JSON_TYPE, brotliCompressSync(json), {
          "content-encoding": "br",
        })
      ).status,
      (await post(`${url}/login`, JSON_TYPE, json)).status,
      (await post(`${url}/login`, JSON_TYPE, json)).status,
    ];
    assert.deepEqual(seen, [401, 401, 401, 429]);
  });

  test("gzip YAML alias bomb is refused by the alias limit", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [{ path: "/import", methods: ["POST"], public: true, accepts: ["application/yaml"] }],
    });
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const res = await post(`${url}/import`, "application/yaml", gzipSync(lines.join("\n")), {
      "content-encoding": "gzip",
    });
    assert.equal(res.status, 400);
    assert.match(res.json().detail, /aliases/);
    assert.equal(upstream.requests.length, 0);
  });

  test("gzip body expanding past bodyLimit is refused", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        { path: "/api/items", methods: ["POST"], public: true, bodyLimit: 2048 },
        // Nothing reads octet streams: without decoding they would stream through.
        {
          path: "/upload",
          methods: ["POST"],
          public: true,
          accepts: ["application/octet-stream"],
          bodyLimit: 2048,
        },
      ],
    });
    const bomb = gzipSync(`{"a":"${"a".repeat(1024 * 1024)}"}`);
    assert.ok(bomb.length < 2048, `the compressed body is small: ${bomb.length}`);
    for (const [path, type] of [
      ["/api/items", JSON_TYPE],
      ["/upload", "application/octet-stream"],
    ] as const) {
      const res = await post(`${url}${path}`, type, bomb, { "content-encoding": "gzip" });
      assert.equal(res.status, 413, path);
      assert.equal(res.headers["content-type"], "application/problem+json");
    }
    assert.equal(upstream.requests.length, 0);
  });

  test("an encoding the route does not accept is 415 with Accept-Encoding", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [
        { path: "/api/items", methods: ["POST"], public: true },
        {
          path: "/api/plain",
          methods: ["POST"],
          public: true,
          policies: { requestBody: { encodings: [] } },
        },
      ],
    });
    const unknown = await post(`${url}/api/items`, JSON_TYPE, "{}", { "content-encoding": "zstd" });
    assert.equal(unknown.status, 415);
    assert.equal(unknown.headers["accept-encoding"], "gzip, deflate, br");
    const stacked = await post(`${url}/api/items`, JSON_TYPE, gzipSync(gzipSync("{}")), {
      "content-encoding": "gzip, gzip, gzip",
    });
    assert.equal(stacked.status, 415, "at most two codings");
    const refused = await post(`${url}/api/plain`, JSON_TYPE, gzipSync("{}"), {
      "content-encoding": "gzip",
    });
    assert.equal(refused.status, 415);
    assert.equal(refused.headers["accept-encoding"], "identity");
    assert.equal(upstream.requests.length, 0);
  });

  test("a charset the guard cannot read is 415, a corrupt gzip body 400", async (t) => {
    const { url, upstream } = await guarded(t, {
      routes: [{ path: "/api/items", methods: ["POST"], public: true }],
    });
    const utf7 = await post(`${url}/api/items`, `${JSON_TYPE}; charset=utf-7`, '{"a":"+ADw-"}');
    assert.equal(utf7.status, 415);
    const corrupt = await post(`${url}/api/items`, JSON_TYPE, Buffer.from("not gzip at all"), {
      "content-encoding": "gzip",
    });
    assert.equal(corrupt.status, 400);
    assert.equal(upstream.requests.length, 0);
  });
});
