import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { type GuardPolicy, rejection } from "../../src/guard/policy.js";
import { ROUTE_POLICIES } from "../../src/guard/registry.js";
import { startGuard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import {
  guardFor,
  logSink,
  type RecordingUpstream,
  rawRequest,
  sendPath,
  startUpstream,
} from "./helpers.js";

let upstream: RecordingUpstream;
let url: string;
let closeGuard: () => Promise<void>;

before(async () => {
  upstream = await startUpstream();
  const guard = await guardFor(upstream.url, {
    trustedProxies: ["127.0.0.1"],
    defaults: { authentication: "upstream" },
    routes: [
      { path: "/api/orders", methods: ["GET", "POST"], bodyLimit: 64 },
      { path: "/api/orders/:id", methods: ["GET", "PUT", "DELETE"] },
      { path: "/api/reports", methods: ["GET"], produces: ["application/json", "text/csv"] },
      { path: "/internal/stats", allowFrom: ["10.0.0.0/8", "192.0.2.7"] },
      { path: "/health", public: true },
      { path: "/private", authentication: "required" },
      { path: "/login", methods: ["POST"], public: true },
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

describe("routing (IN-01)", () => {
  test("a path outside the route table is 404 problem+json with a correlation id", async () => {
    const res = await send(`${url}/api/unknown`);
    assert.equal(res.status, 404);
    assert.equal(res.headers["content-type"], "application/problem+json");
    const body = res.json();
    assert.equal(body.status, 404);
    assert.equal(body.correlationId, res.headers["x-request-id"]);
    assert.equal(upstream.requests.length, 0);
  });

  test("an undeclared method is 405 with Allow listing the route's methods", async () => {
    const res = await send(`${url}/api/orders/7`, { method: "PATCH" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "GET, HEAD, PUT, DELETE");
    assert.equal(upstream.requests.length, 0);
  });

  test("TRACE is 405 even on a route that exists", async () => {
    const res = await send(`${url}/health`, { method: "TRACE" });
    assert.equal(res.status, 405);
    assert.equal(upstream.requests.length, 0);
  });

  test("bypass attempt: lower-case method name is not GET", async () => {
    const res = await rawRequest(
      url,
      "get /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.notEqual(res.status, 200);
    assert.equal(upstream.requests.length, 0);
  });

  test("bypass attempt: path case is significant (/HEALTH is not /health)", async () => {
    const res = await send(`${url}/HEALTH`);
    assert.equal(res.status, 404);
  });

  test("bypass attempt: a trailing slash gets the parent route's policies (its allow-list)", async () => {
    const res = await send(`${url}/internal/stats/`);
    assert.equal(res.status, 403);
    assert.equal(upstream.requests.length, 0);
  });

  test("HEAD is answered where GET is declared, and a declared method passes", async () => {
    assert.equal((await send(`${url}/health`, { method: "HEAD" })).status, 200);
    assert.equal((await send(`${url}/api/orders/7`, { method: "DELETE" })).status, 200);
    assert.deepEqual(
      upstream.requests.map((r) => `${r.method} ${r.url}`),
      ["HEAD /health", "DELETE /api/orders/7"],
    );
  });
});

describe("content negotiation (IN-02, IN-03)", () => {
  test("Accept excluding every produced type is 406", async () => {
    const res = await send(`${url}/api/orders`, { headers: { Accept: "text/html" } });
    assert.equal(res.status, 406);
    assert.equal(upstream.requests.length, 0);
  });

  test("bypass attempt: q=0 on the produced type with a wildcard elsewhere is 406", async () => {
    const res = await send(`${url}/api/orders`, {
      headers: { Accept: "application/json;q=0, */*;q=0.5" },
    });
    assert.equal(res.status, 406);
  });

  test("Accept values that allow a produced type pass", async () => {
    for (const accept of [
      "application/json",
      "*/*",
      "application/*",
      "text/html, application/json;q=0.1",
      "APPLICATION/JSON",
      "text/csv",
    ]) {
      const res = await send(`${url}/api/reports`, { headers: { Accept: accept } });
      assert.equal(res.status, 200, accept);
    }
    assert.equal((await send(`${url}/api/orders`)).status, 200, "no Accept at all");
  });

  test("a body of an unaccepted media type is 415", async () => {
    const res = await send(`${url}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/xml" },
      body: "<a/>",
    });
    assert.equal(res.status, 415);
    assert.equal(upstream.requests.length, 0);
  });

  test("a body without Content-Type is 415", async () => {
    const res = await send(`${url}/api/orders`, { method: "POST", body: "{}" });
    assert.equal(res.status, 415);
  });

  test("bypass attempt: media type case and parameters do not matter, the type does", async () => {
    const ok = await send(`${url}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "Application/JSON; charset=utf-8" },
      body: "{}",
    });
    assert.equal(ok.status, 200);
    const refused = await send(`${url}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "text/plain; x=application/json" },
      body: "{}",
    });
    assert.equal(refused.status, 415);
  });
});

describe("body limits (EXT-06)", () => {
  test("a declared Content-Length over the limit is 413 before the body is read", async () => {
    const res = await send(`${url}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ pad: "x".repeat(100) }),
    });
    assert.equal(res.status, 413);
    assert.equal(upstream.requests.length, 0);
  });

  test("bypass attempt: a chunked body over the limit is 413", async () => {
    const chunk = `{"pad":"${"x".repeat(90)}"}`;
    const res = await rawRequest(
      url,
      `POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    assert.equal(res.status, 413);
  });

  test("a body within the limit passes", async () => {
    const res = await send(`${url}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"item":1}',
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.body, '{"item":1}');
  });
});

describe("credentials in the query string (IN-05)", () => {
  for (const [name, query] of [
    ["access_token", "?access_token=abc"],
    ["api_key", "?page=1&api_key=abc"],
    ["upper case", "?API_KEY=abc"],
    ["percent-encoded name", "?%61ccess_token=abc"],
    ["array suffix", "?token[]=abc"],
    ["a JWT under an innocent name", "?q=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"],
    ["semicolon separator", "?page=1;password=x"],
  ]) {
    test(`bypass attempt: ${name} is refused with 400`, async () => {
      const res = await sendPath(url, `/api/orders${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(upstream.requests.length, 0);
    });
  }

  test("ordinary parameters pass", async () => {
    const res = await send(`${url}/api/orders?page=2&sort=desc&tokenizer=simple&keyword=x`);
    assert.equal(res.status, 200);
  });
});

describe("IP allow-lists with trusted proxies (ACC-05)", () => {
  test("a client outside the allow-list is 403", async () => {
    const res = await send(`${url}/internal/stats`);
    assert.equal(res.status, 403);
    assert.equal(upstream.requests.length, 0);
  });

  test("a client in the allow-list, behind a trusted proxy, passes", async () => {
    const res = await send(`${url}/internal/stats`, {
      headers: { "X-Forwarded-For": "10.1.2.3" },
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0]?.headers["x-forwarded-for"], "10.1.2.3, 127.0.0.1");
  });

  test("bypass attempt: a forged left-most X-Forwarded-For entry is not believed", async () => {
    const res = await send(`${url}/internal/stats`, {
      headers: { "X-Forwarded-For": "10.1.2.3, 203.0.113.9" },
    });
    assert.equal(res.status, 403);
  });

  test("bypass attempt: duplicate X-Forwarded-For headers are read as one list", async () => {
    const res = await rawRequest(
      url,
      "GET /internal/stats HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n",
    );
    assert.equal(res.status, 403);
  });
});

describe("authentication until the identity policies exist", () => {
  test("a non-public route without `authentication: upstream` is 401 with WWW-Authenticate: Bearer", async () => {
    const res = await send(`${url}/private`);
    assert.equal(res.status, 401);
    assert.match(String(res.headers["www-authenticate"]), /^Bearer/);
    assert.equal(upstream.requests.length, 0);
  });
});

describe("forwarding", () => {
  test("hop-by-hop headers, those named in Connection, and Host are not forwarded; X-Forwarded-* are set", async () => {
    const res = await rawRequest(
      url,
      "GET /health HTTP/1.1\r\nHost: api.example\r\nConnection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Request-Id: forged\r\n\r\n",
    );
    assert.equal(res.status, 200);
    const seen = upstream.requests[0]?.headers ?? {};
    assert.equal(seen["x-secret-hop"], undefined);
    assert.equal(seen["keep-alive"], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(seen["x-forwarded-proto"], "http");
    assert.equal(seen["x-forwarded-host"], "api.example");
    assert.notEqual(seen["x-request-id"], "forged");
    assert.match(res.text, new RegExp(`x-request-id: ${String(seen["x-request-id"])}`, "i"));
  });

  test("an unreachable upstream is 502 problem+json", async () => {
    const guard = await guardFor("http://127.0.0.1:9", {
      routes: [{ path: "/x", public: true }],
    });
    try {
      const res = await send(`${guard.url}/x`);
      assert.equal(res.status, 502);
      assert.equal(res.headers["content-type"], "application/problem+json");
    } finally {
      await guard.close();
    }
  });
});

describe("Expect: 100-continue", () => {
  const expectContinue = (path: string, type: string, length: number) =>
    rawRequest(
      url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    );

  test("a request head refused by a policy gets its final answer without 100 Continue", async () => {
    const res = await expectContinue("/api/orders", "application/xml", 2);
    assert.equal(res.status, 415);
    assert.doesNotMatch(res.text, /100 Continue/);
    assert.equal(upstream.requests.length, 0);
  });

  test("an accepted request head gets 100 Continue, and its body reaches the upstream", async () => {
    const target = new URL(url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(target.port), target.hostname, () =>
        socket.write(
          "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        ),
      );
      let answer = "";
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => {
        answer += chunk;
        if (answer.startsWith("HTTP/1.1 100") && !answer.includes("{}sent")) {
          answer += "{}sent";
          socket.write("{}");
        }
      });
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
    });
    assert.match(text, /^HTTP\/1\.1 100 Continue/);
    assert.match(text, /HTTP\/1\.1 200 OK/);
    assert.equal(upstream.requests[0]?.body, "{}");
    assert.equal(upstream.requests[0]?.headers.expect, undefined);
  });
});

describe("asynchronous request checks (the hook the identity and limit policies build on)", () => {
  const slowPolicy: GuardPolicy = {
    id: "test-async",
    items: [],
    title: "refuses X-Deny after an await; fails on X-Fail",
    create: () => ({
      async onRequestAsync(ctx) {
        await new Promise((r) => setImmediate(r));
        if (ctx.req.headers["x-fail"] !== undefined) throw new Error("store down");
        return ctx.req.headers["x-deny"] === undefined ? undefined : denied;
      },
    }),
  };
  const denied = rejection(slowPolicy, 403, "Forbidden", "denied by an asynchronous check");

  test("they run after the synchronous checks; a refusal is answered, a failure fails closed", async () => {
    const guard = await startGuard({
      table: buildRouteTable(
        {
          listen: "127.0.0.1:0",
          upstream: upstream.url,
          routes: [{ path: "/x", public: true, methods: ["GET", "POST"] }],
        },
        { source: "test" },
        process.cwd(),
        [...ROUTE_POLICIES, slowPolicy],
      ),
      log: logSink(),
    });
    try {
      assert.equal((await send(`${guard.url}/x`, { headers: { "X-Deny": "1" } })).status, 403);
      assert.equal((await send(`${guard.url}/x`, { headers: { "X-Fail": "1" } })).status, 503);
      assert.equal(
        (await send(`${guard.url}/x`, { headers: { "X-Deny": "1", Accept: "text/html" } })).status,
        406,
        "synchronous checks first",
      );
      assert.equal(upstream.requests.length, 0);
      const ok = await send(`${guard.url}/x`, jsonBody());
      assert.equal(ok.status, 200);
      assert.equal(upstream.requests[0]?.body, '{"a":1}');
    } finally {
      await guard.close();
    }
  });
});

function jsonBody() {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"a":1}' };
}
