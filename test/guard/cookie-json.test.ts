import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Guard } from "../../src/guard/server.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

describe("cookie flags (EXT-02) and JSON validity", () => {
  let upstream: RecordingUpstream;
  let guard: Guard;
  before(async () => {
    upstream = await startUpstream();
    guard = await guardFor(upstream.url, {
      routes: [
        { path: "/login", methods: ["POST"], public: true },
        {
          path: "/loose",
          methods: ["POST"],
          public: true,
          policies: {
            cookies: { httpOnly: false, sameSite: "off" },
            json: { requireValid: false },
          },
        },
      ],
    });
  });
  after(async () => {
    await guard.close();
    await upstream.close();
  });

  const post = (path: string, body: string) =>
    fetch(`${guard.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });

  test("an upstream session cookie leaves with HttpOnly and SameSite (plain HTTP: no Secure)", async () => {
    upstream.reply = () => ({
      status: 200,
      headers: {
        "content-type": "application/json",
        "set-cookie": ["sid=abc; Path=/", "pref=1; SameSite=Strict; HttpOnly"],
      },
      body: "{}",
    });
    const res = await post("/login", "{}");
    assert.deepEqual(res.headers.getSetCookie(), [
      "sid=abc; Path=/; HttpOnly; SameSite=Lax",
      "pref=1; SameSite=Strict; HttpOnly",
    ]);
  });

  test("loosened explicitly, the cookie passes as the upstream set it", async () => {
    upstream.reply = () => ({
      status: 200,
      headers: { "content-type": "application/json", "set-cookie": "sid=abc; Path=/" },
      body: "{}",
    });
    const res = await post("/loose", "{}");
    assert.deepEqual(res.headers.getSetCookie(), ["sid=abc; Path=/"]);
  });

  test("malformed JSON is refused with 400 before the upstream sees it", async () => {
    upstream.reset();
    for (const body of [
      '{"username": "alice",',
      "{'a': 1}",
      '{"a": 1} trailing',
      '{"a":"\\ud800\\udc00"',
    ]) {
      const res = await post("/login", body);
      assert.equal(res.status, 400, body);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      assert.match(await res.text(), /not valid JSON/);
    }
    assert.equal(upstream.requests.length, 0);
  });

  test("invalid UTF-8 inside a JSON string is refused, not silently replaced", async () => {
    upstream.reset();
    const res = await fetch(`${guard.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("valid JSON passes untouched; the check can be turned off per route", async () => {
    upstream.reset();
    assert.equal((await post("/login", '{"username":"alice"}')).status, 200);
    assert.equal(upstream.requests[0]?.body, '{"username":"alice"}');
    assert.equal((await post("/loose", "{not json")).status, 200);
  });
});
