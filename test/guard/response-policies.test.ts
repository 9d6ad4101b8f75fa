import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { send } from "../helpers/demo-client.js";
import { guardFor, type LogSink, type RecordingUpstream, startUpstream } from "./helpers.js";

let upstream: RecordingUpstream;
let url: string;
let log: LogSink;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    defaults: { authentication: "upstream" },
    routes: [
      { path: "/api/data" },
      { path: "/public/info", public: true },
      { path: "/files/*", produces: ["application/json", "text/plain"] },
      { path: "/api/keys", policies: { secrets: { mode: "block" } } },
      { path: "/api/profile", policies: { secrets: { mode: "redact" } } },
    ],
  });
  url = guard.url;
  log = guard.log;
  closeGuard = () => guard.close();
});
after(async () => {
  await closeGuard();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  () => ({
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("response hardening (OUT-01..04, ACC-03, EXT-03)", () => {
  test("fingerprinting headers are removed, security headers added, no-store on a non-public route", async () => {
    upstream.reply = json({ ok: 1 }, 200, {
      Server: "Apache/2.4.1 (Unix)",
      "X-Powered-By": "PHP/5.6.40",
      "X-AspNet-Version": "4.0.30319",
      "X-AspNetMvc-Version": "5.2",
      "Cache-Control": "public, max-age=3600",
    });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 200);
    for (const h of ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"])
      assert.equal(res.headers[h], undefined, h);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["x-frame-options"], "DENY");
    assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(
      res.headers["strict-transport-security"],
      undefined,
      "no HSTS over plain HTTP (RFC 6797 7.2)",
    );
    assert.deepEqual(res.json(), { ok: 1 });
  });

  test("a public route keeps the upstream's caching", async () => {
    upstream.reply = json({ ok: 1 }, 200, { "Cache-Control": "public, max-age=60" });
    const res = await send(`${url}/public/info`);
    assert.equal(res.headers["cache-control"], "public, max-age=60");
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });

  test("bypass attempt: fingerprint header names in odd case are removed too", async () => {
    upstream.reply = () => ({
      headers: {
        "content-type": "application/json",
        "x-POWERED-by": "Express",
        SERVER: "nginx/1.2",
      },
      body: "{}",
    });
    const res = await send(`${url}/api/data`);
    assert.equal(res.headers["x-powered-by"], undefined);
    assert.equal(res.headers.server, undefined);
  });
});

describe("response content type (OUT-05)", () => {
  test("JSON declared as text/html is relabelled application/json", async () => {
    upstream.reply = () => ({ headers: { "content-type": "text/html" }, body: '{"a":1}' });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(res.json(), { a: 1 });
  });

  test("HTML where the route produces JSON is withheld with 502", async () => {
    upstream.reply = () => ({
      headers: { "content-type": "text/html" },
      body: "<script>alert(1)</script>",
    });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 502);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.doesNotMatch(res.body, /script/);
  });

  test("a produced type with parameters passes untouched", async () => {
    upstream.reply = () => ({
      headers: { "content-type": "application/json; charset=utf-8" },
      body: "[]",
    });
    const res = await send(`${url}/api/data`);
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(res.body, "[]");
  });
});

describe("debug scrubbing (PROC-08)", () => {
  const stacks: [string, string, string][] = [
    [
      "Node.js stack in JSON",
      "application/json",
      JSON.stringify({
        error: "TypeError",
        stack:
          "TypeError: x is undefined\n    at handler (/srv/app/routes/users.js:42:17)\n    at Layer.handle (/srv/node_modules/express/lib/router/layer.js:95:5)",
      }),
    ],
    [
      "Java stack",
      "text/plain",
      "java.lang.NullPointerException\n\tat com.acme.api.UserController.get(UserController.java:57)\n\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
    ],
    [
      "Python traceback",
      "text/plain",
      'Traceback (most recent call last):\n  File "/app/views.py", line 12, in get\nKeyError: "id"',
    ],
    [
      "Django debug page",
      "text/html",
      "<html><body>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</body></html>",
    ],
    [
      "SQL error",
      "application/json",
      JSON.stringify({
        error:
          "SQLSTATE[42000]: Syntax error or access violation: 1064 You have an error in your SQL syntax",
      }),
    ],
    [
      ".NET yellow screen",
      "text/html",
      "<title>Runtime Error</title><h1>Server Error in '/' Application.</h1>",
    ],
    [
      "Flask debugger page",
      "text/html",
      "<h1>KeyError</h1><p>The debugger caught an exception in your WSGI application.</p>",
    ],
    ["Werkzeug debugger title", "text/html", "<title>KeyError: 'id' // Werkzeug Debugger</title>"],
    [
      "Ruby backtrace (backtick, before Ruby 3.4)",
      "text/plain",
      "NoMethodError: undefined method `name' for nil\n/app/models/order.rb:12:in `total'\n/app/app.rb:5:in `<main>'",
    ],
    [
      "Ruby backtrace (quotes, Ruby 3.4 and later)",
      "application/json",
      JSON.stringify({
        error: "undefined method 'name' for nil",
        backtrace: ["/app/models/order.rb:12:in 'Order#total'", "/app/app.rb:5:in '<main>'"],
      }),
    ],
    [
      "Rails exception page",
      "text/html",
      "<title>Action Controller: Exception caught</title><h1>NoMethodError</h1>",
    ],
  ];
  for (const [name, type, body] of stacks) {
    test(`${name} in a 500 is replaced by a generic problem, the original logged`, async () => {
      upstream.reply = () => ({ status: 500, headers: { "content-type": type }, body });
      const res = await send(`${url}/api/data`);
      assert.equal(res.status, 500);
      assert.equal(res.headers["content-type"], "application/problem+json");
      const problem = res.json();
      assert.equal(problem.correlationId, res.headers["x-request-id"]);
      assert.doesNotMatch(
        res.body,
        /\.js:|\.java:|\.rb:|Traceback|DEBUG|SQLSTATE|Server Error in|WSGI|Werkzeug|Controller/,
      );
      const logged = log.lines.find(
        (l) => l.event === "response-withheld" && l.id === problem.correlationId,
      );
      assert.ok(logged, "the original is logged");
      assert.equal(logged.policy, "debug-scrub");
    });
  }

  test("the status of the upstream is kept (a 400 with a stack stays 400)", async () => {
    upstream.reply = json(
      {
        stack:
          "SyntaxError: Unexpected token\n    at JSON.parse (<anonymous>)\n    at parse (/app/node_modules/body-parser/lib/types/json.js:89:19)",
      },
      400,
    );
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 400);
    assert.equal(res.json().title, "Bad Request");
  });

  test("an ordinary error body passes untouched", async () => {
    upstream.reply = json(
      { type: "about:blank", title: "Not Found", status: 404, detail: "no order at /api/orders/7" },
      404,
      { "content-type": "application/problem+json" },
    );
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 404);
    assert.equal(res.json().detail, "no order at /api/orders/7");
  });

  test("a successful body mentioning 'at' and a file name is not an error page", async () => {
    upstream.reply = json({ note: "meet at noon (room.js:1:2)" });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 200);
    assert.equal(res.json().note, "meet at noon (room.js:1:2)");
  });

  test("a trace after 8 KiB of output is found (long bodies are searched as bytes)", async () => {
    const body = `${"INFO request served in 12 ms\n".repeat(300)}Traceback (most recent call last):\n  File "/srv/app.py", line 12, in view`;
    upstream.reply = () => ({ status: 500, headers: { "content-type": "text/plain" }, body });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 500);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.doesNotMatch(res.body, /Traceback|app\.py/);
  });

  test("a long successful answer without a sign goes out unchanged", async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      id: i,
      name: `Desk ${i}`,
      note: "oak",
    }));
    upstream.reply = json({ items });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 200);
    assert.ok(res.body.length > 4096);
    assert.deepEqual(res.json().items, items);
  });

  test("a successful body naming a Ruby file and quoting a word is not a backtrace", async () => {
    const note = "see lib/tasks/export.rb: it runs in 'batch' mode, `rake export`";
    upstream.reply = json({ note });
    const res = await send(`${url}/api/data`);
    assert.equal(res.status, 200);
    assert.equal(res.json().note, note);
  });
});

describe("directory listings (ACC-04)", () => {
  for (const [name, body] of [
    [
      "nginx autoindex",
      '<html><head><title>Index of /files/</title></head><body><h1>Index of /files/</h1><hr><pre><a href="../">../</a></pre></body></html>',
    ],
    [
      "Apache",
      "<html><head><title>Index of /files</title></head><body><h1>Index of /files</h1></body></html>",
    ],
    [
      "Python http.server",
      "<html><head><title>Directory listing for /files/</title></head></html>",
    ],
    ["IIS", '<html><body><A HREF="/">[To Parent Directory]</A><br></body></html>'],
  ]) {
    test(`a ${name} listing is answered 404`, async () => {
      upstream.reply = () => ({ headers: { "content-type": "text/html" }, body: body as string });
      const res = await send(`${url}/files/`);
      assert.equal(res.status, 404);
      assert.equal(res.headers["content-type"], "application/problem+json");
    });
  }

  test("a text file that mentions an index passes untouched", async () => {
    upstream.reply = () => ({
      headers: { "content-type": "text/plain" },
      body: "See the index of chapter 2.",
    });
    const res = await send(`${url}/files/notes.txt`);
    assert.equal(res.status, 200);
    assert.equal(res.body, "See the index of chapter 2.");
  });
});

describe("response secrets (OUT-06)", () => {
  const PEM =
    "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
  const HASH = "$2b$12$KIXQJHk1Cz8jVV9mWq7dUO1Q6uXr0eKpZ6Jq9E6oRkQzG9r7Y5mXa";

  test("block mode: a private key in a response is withheld with 502", async () => {
    upstream.reply = json({ key: PEM });
    const res = await send(`${url}/api/keys`);
    assert.equal(res.status, 502);
    assert.doesNotMatch(res.body, /PRIVATE KEY/);
    assert.doesNotMatch(log.text(), /MIIBOgIBAAJBAKj34/, "the secret is not logged either");
  });

  test("redact mode: a cloud key and a password hash are replaced", async () => {
    upstream.reply = json({ user: "ana", hash: HASH, aws: "AKIAIOSFODNN7EXAMPLE" });
    const res = await send(`${url}/api/profile`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { user: "ana", hash: "[REDACTED]", aws: "[REDACTED]" });
    assert.equal(Number(res.headers["content-length"]), Buffer.byteLength(res.body));
  });

  test("responses without secrets pass untouched, and routes without the option are not read", async () => {
    upstream.reply = json({ user: "ana", id: "AKIA-not-a-key" });
    assert.deepEqual((await send(`${url}/api/profile`)).json(), {
      user: "ana",
      id: "AKIA-not-a-key",
    });
    upstream.reply = json({ key: PEM });
    assert.equal(
      (await send(`${url}/api/data`)).status,
      200,
      "secrets detection is off by default",
    );
  });
});
