// Issue 17, causes 3 and 4 (the response side): secrets and debug output must not reach a
// client whatever the body's type, coding, status or range, nor through response headers.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { guardFor, type RecordingUpstream, type Reply, startUpstream } from "../guard/helpers.js";
import { send } from "../helpers/demo-client.js";

const KEY = [
  "-----BEGIN PRIVATE KEY-----",
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
  "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
  "-----END PRIVATE KEY-----",
].join("\n");
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    defaults: { authentication: "upstream", produces: ["application/json", "text/html"] },
    routes: [
      {
        path: "/block/*",
        produces: ["application/json", "application/octet-stream", "application/x-ndjson"],
        policies: { secrets: { mode: "block" } },
      },
      {
        path: "/redact/*",
        produces: ["application/json", "text/plain"],
        policies: { secrets: { mode: "redact" } },
      },
      { path: "/api/*" },
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

/** The upstream answers with `reply`, its length declared as res.json() and res.send() do. */
const answer = (reply: Reply) => {
  const length: Record<string, string> =
    reply.body === undefined ? {} : { "content-length": String(Buffer.byteLength(reply.body)) };
  upstream.reply = () => ({ ...reply, headers: { ...length, ...reply.headers } });
};

const get = (path: string, headers: Record<string, string> = {}) =>
  send(`${url}${path}`, { headers });

describe("response secrets (issue 17, cause 3)", () => {
  test("private key in an application/octet-stream body is withheld", async () => {
    answer({ headers: { "content-type": "application/octet-stream" }, body: `\x00\x01${KEY}` });
    const res = await get("/block/blob");
    assert.equal(res.status, 502);
    assert.doesNotMatch(res.body, /PRIVATE KEY|MIIE/);
  });

  test("cloud key in an NDJSON stream is withheld", async () => {
    answer({
      headers: { "content-type": "application/x-ndjson" },
      body: `{"n":1}\n{"n":2,"k":"${AWS_KEY}"}\n`,
    });
    const res = await get("/block/stream");
    assert.equal(res.status, 502);
    assert.doesNotMatch(res.body, /AKIA/);
  });

  test("gzip-compressed body with a secret is decoded and checked", async () => {
    answer({
      headers: { "content-type": "application/octet-stream", "content-encoding": "gzip" },
      body: gzipSync(`backup:${KEY}`),
    });
    assert.equal((await get("/block/backup")).status, 502);
    answer({
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      body: gzipSync(`key=${AWS_KEY} ok`),
    });
    const redacted = await get("/redact/notes");
    assert.equal(redacted.status, 200);
    assert.equal(redacted.headers["content-encoding"], undefined, "sent decoded");
    assert.equal(redacted.body, "key=[REDACTED] ok");
  });

  test("secret in a response header is withheld (block) or redacted (redact)", async () => {
    answer({ headers: { "content-type": "application/json", "x-debug-key": AWS_KEY }, body: "{}" });
    assert.equal((await get("/block/a")).status, 502);
    const redacted = await get("/redact/a");
    assert.equal(redacted.status, 200);
    assert.equal(redacted.headers["x-debug-key"], "[REDACTED]");
  });

  test("secret in a 304's headers is withheld", async () => {
    answer({ status: 304, headers: { etag: '"1"', "x-upstream-token": AWS_KEY } });
    const res = await get("/block/cached", { "if-none-match": '"1"' });
    assert.equal(res.status, 502);
    assert.equal(res.headers["x-upstream-token"], undefined);
    const redacted = await get("/redact/cached", { "if-none-match": '"1"' });
    assert.equal(redacted.status, 304);
    assert.equal(redacted.headers["x-upstream-token"], "[REDACTED]");
  });

  test("Range request cannot slice a private key past secrets: block", async () => {
    // An upstream that honours Range (RFC 9110 14.2), as static file servers do.
    upstream.reply = (r): Reply => {
      const range = /^bytes=(\d+)-$/.exec(String(r.headers.range ?? ""));
      if (!range) return { headers: { "content-type": "application/octet-stream" }, body: KEY };
      const start = Number(range[1]);
      return {
        status: 206,
        headers: {
          "content-type": "application/octet-stream",
          "content-range": `bytes ${start}-${KEY.length - 1}/${KEY.length}`,
        },
        body: KEY.slice(start),
      };
    };
    const res = await get("/block/id_rsa", { range: "bytes=67-" });
    assert.equal(res.status, 502);
    assert.doesNotMatch(res.body, /MIIE|MzEf/);
    assert.equal(upstream.requests[0]?.headers.range, undefined, "served whole, then checked");
  });

  test("a 206 from an upstream that ignores the stripped Range is withheld", async () => {
    answer({
      status: 206,
      headers: { "content-type": "application/octet-stream", "content-range": "bytes 67-99/200" },
      body: "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC",
    });
    assert.equal((await get("/block/part")).status, 502);
  });
});

const STACK = [
  "Error: connect ECONNREFUSED 10.1.2.3:5432",
  "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",
  "    at Object.query (/srv/app/src/db.js:41:11)",
].join("\n");

describe("debug scrub (issue 17, cause 4)", () => {
  test("stack trace in a 200 JSON body is scrubbed", async () => {
    answer({
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: [], error: { stack: STACK } }),
    });
    const res = await get("/api/list");
    assert.equal(res.status, 502);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.doesNotMatch(res.body, /srv\/app|ECONNREFUSED/);
  });

  test("JSON-escaped trace under any key (trace, stackTrace) is scrubbed", async () => {
    for (const body of [
      { message: "failed", trace: STACK },
      { stackTrace: ["at com.acme.orders.OrderService.find(OrderService.java:88)"] },
      { details: { frames: "at async Promise.all (index 0)\n  at run (/srv/app/x.js:3:7)" } },
    ]) {
      answer({
        status: 500,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const res = await get("/api/fail");
      assert.equal(res.status, 500);
      assert.equal(
        res.json().detail,
        "The upstream failed; the details were logged with this correlation id.",
      );
      assert.doesNotMatch(res.body, /srv\/app|OrderService/);
    }
  });

  test("Express's development error page is scrubbed", async () => {
    // finalhandler's page when NODE_ENV is not "production" (express 4 and 5).
    const page = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Error: boom<br> &nbsp; &nbsp;at /srv/app/index.js:7:9<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)</pre>\n</body>\n</html>\n`;
    answer({ status: 500, headers: { "content-type": "text/html; charset=utf-8" }, body: page });
    const res = await get("/api/page");
    assert.equal(res.status, 500);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.doesNotMatch(res.body, /srv\/app/);
  });

  test("stack trace in a response header is removed", async () => {
    answer({
      headers: {
        "content-type": "application/json",
        "x-error": "Error: boom at Object.<anonymous> (/srv/app/index.js:3:9)",
        "x-ok": "fine",
      },
      body: "{}",
    });
    const res = await get("/api/h");
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-error"], undefined);
    assert.equal(res.headers["x-ok"], "fine");
  });

  test("a 200 JSON body sent as a stream (no Content-Length) is not held back", async () => {
    upstream.reply = () => ({
      headers: { "content-type": "application/json" },
      body: '{"items":[]}',
    });
    const res = await get("/api/feed");
    assert.equal(res.status, 200);
    assert.equal(res.headers["transfer-encoding"], "chunked");
  });

  test("a JSON answer read for debug output is not judged a directory listing", async () => {
    answer({ headers: { "content-type": "application/json" }, body: '{"title":"Index of /docs"}' });
    const res = await get("/api/docs");
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"title":"Index of /docs"}');
  });

  test("an ordinary 200 JSON body, compressed, passes unchanged", async () => {
    const body = JSON.stringify({ items: [{ at: "home", note: "at 10:30 (room 2)" }] });
    answer({
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(body),
    });
    const res = await get("/api/list");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-encoding"], undefined, "read decoded, sent decoded");
    assert.equal(res.body, body);
  });
});
