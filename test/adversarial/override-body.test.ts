// Found by the differential suite (differential.test.ts) and left over from issue 17's first
// round: what an upstream reads as the method or as an API key beyond what the guard checked.
// Express's method-override (configured as its README shows) and Laravel/Symfony read `_method`
// in a POST body as the real method; CGI-style stacks read "X_Partner_Key" as the X-Partner-Key
// header; a "gzip, chunked" transfer coding must not let a body mean one thing to the guard and
// another upstream.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { guardFor, type RecordingUpstream, startUpstream } from "../guard/helpers.js";
import { send } from "../helpers/demo-client.js";
import { exchange, firstAnswer } from "./fixture.js";

const CI_KEY = "override-suite-ci-key-0123456789abcdef";
const PARTNER_KEY = "override-suite-partner-key-0123456789";
const FORM = "application/x-www-form-urlencoded";
const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    routes: [
      {
        path: "/api/items/:id",
        methods: ["POST", "PUT"],
        authentication: "upstream",
        accepts: ["application/json", FORM],
      },
      { path: "/reports", methods: ["GET"] },
      { path: "/public", methods: ["GET"], public: true },
    ],
    auth: {
      apiKeys: [
        { name: "ci", hash: sha(CI_KEY) },
        { name: "partner", hash: sha(PARTNER_KEY), header: "X-Partner-Key" },
      ],
    },
  });
  url = guard.url;
  closeGuard = () => guard.close();
});
after(async () => {
  await closeGuard();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const post = (body: string, type: string, method = "POST") =>
  send(`${url}/api/items/7`, { method, headers: { "content-type": type }, body });

describe("_method in a POST body (method-override bypass: POST authorised, DELETE served)", () => {
  const forms = [
    "name=x&_method=DELETE",
    "_METHOD=delete",
    "%5Fmethod=PUT",
    "_method[]=PATCH",
    // Folded as for the query (PHP reads a dot in a name as "_"), in any case.
    ".MeThOd=DELETE",
  ];
  for (const body of forms)
    test(`_method in a form body is refused (${body})`, async () => {
      const res = await post(body, FORM);
      assert.equal(res.status, 400);
      assert.equal(res.headers["content-type"], "application/problem+json");
      assert.match(res.json().detail, /_method/);
      assert.equal(upstream.requests.length, 0);
    });

  const jsons = [
    '{"name":"x","_method":"DELETE"}',
    '{"\\u005fmethod":"DELETE"}',
    '{"_Method":"put"}',
    // Multi-byte UTF-8 before the name: found where a decoded reading finds it.
    '{"naïve":"é","_MeThOd":"DELETE"}',
  ];
  for (const body of jsons)
    test(`_method in a JSON body is refused (${body})`, async () => {
      const res = await post(body, "application/json");
      assert.equal(res.status, 400);
      assert.equal(upstream.requests.length, 0);
    });

  test("_method in a JSON text sent as a form is refused (lenient readers parse it as JSON)", async () => {
    const res = await post('{"_method":"DELETE"}', FORM);
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("_method in a gzip-encoded form body is refused (read decoded)", async () => {
    const res = await send(`${url}/api/items/7`, {
      method: "POST",
      headers: { "content-type": FORM, "content-encoding": "gzip" },
      body: gzipSync("_method=DELETE"),
    });
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("_method after 64 KiB of form fields is refused; the same body without it is forwarded", async () => {
    const fields = Array.from({ length: 5000 }, (_, i) => `f${i}=value${i}`).join("&");
    assert.ok(fields.length > 64 * 1024);
    assert.equal((await post(`${fields}&_method=DELETE`, FORM)).status, 400);
    assert.equal(upstream.requests.length, 0);
    assert.equal((await post(fields, FORM)).status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  test("a name that only looks like _method (Cyrillic е) reaches the upstream", async () => {
    const body = '{"_m\u0435thod":"DELETE","name":"x"}';
    assert.equal((await post(body, "application/json")).status, 200);
    assert.deepEqual(
      upstream.requests.map((r) => r.body),
      [body],
    );
  });

  test("bodies without a _method field reach the upstream as sent", async () => {
    assert.equal((await post("method=card&name=x", FORM)).status, 200);
    assert.equal(
      (await post('{"payment":{"_method":"card"},"method":"x"}', "application/json")).status,
      200,
    );
    assert.equal(
      (await post("_method=DELETE", FORM, "PUT")).status,
      200,
      "only a POST is overridden",
    );
    assert.deepEqual(
      upstream.requests.map((r) => [r.method, r.body]),
      [
        ["POST", "method=card&name=x"],
        ["POST", '{"payment":{"_method":"card"},"method":"x"}'],
        ["PUT", "_method=DELETE"],
      ],
    );
  });
});

describe("underscore aliases of custom API key headers (X_Partner_Key read as X-Partner-Key)", () => {
  test("X_Partner_Key beside a verified key is stripped (the upstream reads one key only)", async () => {
    const res = await send(`${url}/reports`, {
      headers: { "x-api-key": CI_KEY, X_Partner_Key: "forged-partner", x_partner_key: "x" },
    });
    assert.equal(res.status, 200);
    const names = Object.keys(upstream.requests[0]?.headers ?? {});
    assert.ok(!names.some((n) => n.replaceAll("_", "-") === "x-partner-key"), names.join());
    assert.equal(upstream.requests[0]?.headers["x-api-key"], CI_KEY);
  });

  test("X_Partner_Key is stripped on a public route too", async () => {
    assert.equal(
      (await send(`${url}/public`, { headers: { X_Partner_Key: "forged" } })).status,
      200,
    );
    assert.ok(!("x_partner_key" in (upstream.requests[0]?.headers ?? {})));
  });

  test("X_Partner_Key alone does not authenticate; X-Partner-Key does", async () => {
    assert.equal(
      (await send(`${url}/reports`, { headers: { X_Partner_Key: PARTNER_KEY } })).status,
      401,
    );
    assert.equal(
      (await send(`${url}/reports`, { headers: { "X-Partner-Key": PARTNER_KEY } })).status,
      200,
    );
    assert.equal(upstream.requests.length, 1);
  });
});

describe("Transfer-Encoding: gzip, chunked", () => {
  const chunked = (te: string, body: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `POST /api/items/7 HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: ${te}\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n`,
      ),
      body,
      Buffer.from("\r\n0\r\n\r\n"),
    ]);

  test("Transfer-Encoding: gzip, chunked reaches the upstream with no coding left to undo", async () => {
    const res = firstAnswer(
      await exchange(url, chunked("gzip, chunked", gzipSync("_method=DELETE"))),
    );
    assert.equal(res.status, 200);
    const seen = upstream.requests[0];
    assert.ok(seen);
    // The guard read the bytes as they came; the upstream gets those bytes, framed anew, and no
    // transfer coding that would make it read "_method=DELETE" out of them.
    assert.doesNotMatch(String(seen.headers["transfer-encoding"] ?? ""), /gzip/);
    assert.equal(seen.headers["content-encoding"], undefined);
    assert.ok(!seen.body.includes("_method"));
  });

  test("Transfer-Encoding: chunked form body with _method is refused, without it forwarded", async () => {
    assertRefused(await exchange(url, chunked("chunked", Buffer.from("_method=DELETE"))));
    const ok = firstAnswer(await exchange(url, chunked("chunked", Buffer.from("name=x"))));
    assert.equal(ok.status, 200);
    assert.deepEqual(
      upstream.requests.map((r) => r.body),
      ["name=x"],
    );
  });
});

function assertRefused(ex: Awaited<ReturnType<typeof exchange>>): void {
  assert.equal(firstAnswer(ex).status, 400);
}
