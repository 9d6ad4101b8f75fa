/**
 * Response shapes of real frameworks that the demo API never produces: refusals answered 200,
 * framework error envelopes, catch-all single-page apps and debug pages. Each shape is served by
 * a small loopback stub and read both ways: the flaw present is found, absent stays silent.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import type { Report } from "../../src/core/report.js";
import { findStackTrace } from "../../src/scan/checks/processing/stack-traces.js";
import { runScan } from "../../src/scan/engine.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import { isErrorBody } from "../../src/scan/responses.js";
import { catalog, findingsOf, verdictOf } from "./scan-helpers.js";

// --- Samples -------------------------------------------------------------------------------

/** Bodies that say the request failed, as frameworks and hand-written APIs word it. */
const ERROR_BODIES: Record<string, string> = {
  "a failed login answered with status fail": '{"status":"fail","message":"Invalid credentials"}',
  "a refused token answered with status fail": '{"status":"fail","message":"token missing"}',
  "success false": '{"success":false}',
  "success false with a message": '{"success":false,"message":"Wrong password"}',
  "an error string": '{"error":"invalid token"}',
  "JSend fail with data": '{"status":"fail","data":{"title":"A title is required"}}',
  "Django REST framework": '{"detail":"Authentication credentials were not provided."}',
  Laravel: '{"message":"Unauthenticated."}',
  Rails: '{"error":"Not Authorized"}',
  "FastAPI 422 validation list":
    '{"detail":[{"loc":["body","x"],"msg":"field required","type":"value_error.missing"}]}',
  "FastAPI 422 with Pydantic 2":
    '{"detail":[{"type":"missing","loc":["body","x"],"msg":"Field required","input":null}]}',
  "Spring Boot whitelabel page":
    "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div id='created'>Mon Jan 01 10:00:00 UTC 2024</div><div>There was an unexpected error (type=Not Found, status=404).</div></body></html>",
  "Spring Boot JSON error":
    '{"timestamp":"2024-01-01T10:00:00.000+00:00","status":404,"error":"Not Found","path":"/x"}',
  "RFC 9457 problem":
    '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Full authentication is required","instance":"/api/orders"}',
  "RFC 9457 problem without status, with extension members":
    '{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc","balance":30,"accounts":["/account/12345","/account/67890"]}',
  "ASP.NET problem with a trace id":
    '{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"traceId":"00-4bf9-01"}',
  "GraphQL errors without data": '{"errors":[{"message":"Not authorised"}],"data":null}',
  "plain text": "Unauthorized",
};

/** Bodies that carry data, however many failure words they hold. */
const DATA_BODIES: Record<string, string> = {
  "a job resource whose status is failed": '{"id":7,"status":"failed","kind":"export"}',
  "a list with an empty errors array": '{"data":[{"id":1,"name":"lamp"}],"errors":[]}',
  "a created order with a message": '{"message":"Order created","id":3}',
  "a message that reports success": '{"message":"Order created"}',
  "a login that succeeded": '{"success":true,"message":"Logged in","access_token":"abc"}',
  "JSend success": '{"status":"success","data":{"orders":[]}}',
  "a null error beside data": '{"error":null,"data":[1]}',
  "a list of jobs, some failed": '[{"id":1,"status":"failed"},{"id":2,"status":"done"}]',
  "an article typed by a word": '{"type":"article","title":"How we ship","detail":"Small steps."}',
  "an HTML catch-all page":
    '<!doctype html><html><head><title>Shop</title></head><body><div id="root">Error? Not found? Log in.</div></body></html>',
  "an empty body": "",
};

/** A Node.js stack trace as a bare Express app sends it on an unknown path. */
const NODE_TRACE =
  "Error: not found\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)\n    at next (/app/node_modules/express/lib/router/route.js:149:13)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";

/** Express's development error page (finalhandler): frames joined by <br> and &nbsp;. */
const EXPRESS_DEV_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<pre>Error: boom<br> &nbsp; &nbsp;at /app/server.js:12:9<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)<br> &nbsp; &nbsp;at next (/app/node_modules/express/lib/router/route.js:149:13)</pre>
</body>
</html>
`;

/** Django's 404 page with DEBUG = True (typographic apostrophe, as Django 3+ writes it). */
const DJANGO_DEBUG_404 = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Page not found at /x</title></head>
<body>
  <div id="summary"><h1>Page not found <span>(404)</span></h1></div>
  <div id="info">
    <p>Using the URLconf defined in <code>shop.urls</code>, Django tried these URL patterns, in this order:</p>
    <ol><li>api/items/</li><li>admin/</li></ol>
  </div>
  <div id="explanation">
    <p>You\u2019re seeing this error because you have <code>DEBUG = True</code> in your Django settings file. Change that to <code>False</code>, and Django will display a standard 404 page.</p>
  </div>
</body>
</html>
`;

/** Laravel's JSON error with APP_DEBUG=true. */
const LARAVEL_DEBUG_JSON = JSON.stringify({
  message: "SQLSTATE[42S02]: Base table or view not found: 1146 Table 'shop.items' doesn't exist",
  exception: "Illuminate\\Database\\QueryException",
  file: "/var/www/app/Http/Controllers/X.php",
  line: 12,
  trace: [
    {
      file: "/var/www/vendor/laravel/framework/src/Illuminate/Database/Connection.php",
      line: 712,
      function: "runQueryCallback",
      class: "Illuminate\\Database\\Connection",
      type: "->",
    },
  ],
});

// --- Stubs ---------------------------------------------------------------------------------

interface StubRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface StubAnswer {
  readonly status: number;
  readonly type?: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Shape = (req: StubRequest) => StubAnswer;

const servers: { close(): void; closeAllConnections(): void }[] = [];
after(() => {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
});

/** Serves a shape on 127.0.0.1 (a free port); closed when the file's tests end. */
async function serve(shape: Shape): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = shape({
        method: req.method ?? "GET",
        path: new URL(req.url ?? "/", "http://127.0.0.1").pathname,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(answer.status, {
        ...(answer.type ? { "content-type": answer.type } : {}),
        ...answer.headers,
      });
      res.end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (status: number, value: unknown): StubAnswer => ({
  status,
  type: "application/json",
  body: typeof value === "string" ? value : JSON.stringify(value),
});

function scan(url: string, headers?: Record<string, string>): Promise<Report> {
  return runScan(
    { target: url, ...(headers ? { headers } : {}) },
    { catalog, checks: SCAN_CHECKS },
  );
}

const titles = (report: Report, ...checkIds: string[]) =>
  checkIds.flatMap((id) => findingsOf(report, id).map((f) => f.title));

/** An OpenAPI 3 document with one GET operation that requires a bearer token. */
function protectedDocument(path: string) {
  return {
    openapi: "3.0.3",
    info: { title: "shape", version: "1" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths: {
      [path]: {
        get: {
          security: [{ bearer: [] }],
          responses: { "200": { description: "ok" }, "401": { description: "no token" } },
        },
      },
    },
  };
}

const GOOD_TOKEN = { authorization: "Bearer good" };

/**
 * A well-behaved items API (406 on a foreign Accept, 415 on a foreign Content-Type, 400 on
 * broken JSON) whose every other path and method is answered by `elsewhere`, as with Express
 * routes: a PATCH on /api/items falls through to whatever comes last.
 */
function itemsApi(elsewhere: Shape): Shape {
  const document = {
    openapi: "3.0.3",
    info: { title: "items", version: "1" },
    paths: {
      "/api/items": {
        get: { responses: { "200": { description: "list" } } },
        post: {
          requestBody: { content: { "application/json": { schema: { type: "object" } } } },
          responses: { "201": { description: "created" } },
        },
      },
    },
  };
  return (req) => {
    if (req.method === "GET" && req.path === "/openapi.json") return json(200, document);
    if (req.method === "GET" && req.path === "/api/items") {
      const accept = req.headers.accept ?? "*/*";
      if (!/json|\*\/\*/.test(accept)) return json(406, { error: "not acceptable" });
      return json(200, { items: [{ id: 1, name: "lamp" }] });
    }
    if (req.method === "POST" && req.path === "/api/items") {
      if (!/^application\/json/.test(req.headers["content-type"] ?? ""))
        return json(415, { error: "unsupported media type" });
      try {
        JSON.parse(req.body);
      } catch {
        return json(400, { error: "invalid JSON" });
      }
      return json(201, { id: 2, name: "new" });
    }
    return elsewhere(req);
  };
}

// --- 1. The error-body recogniser ----------------------------------------------------------

describe("isErrorBody: the one error-body recogniser", () => {
  for (const [shape, body] of Object.entries(ERROR_BODIES)) {
    test(`${shape} is a refusal, not access`, () => {
      assert.equal(isErrorBody(body), true, body);
    });
  }

  for (const [shape, body] of Object.entries(DATA_BODIES)) {
    test(`${shape} is data, not an error`, () => {
      assert.equal(isErrorBody(body), false, body);
    });
  }
});

// --- 2. A refusal answered 200, read by a scan -----------------------------------------------

/** GET /api/orders: the orders with the right token, else 200 `{"status":"fail"}`. */
const refusesWith200: Shape = (req) => {
  if (req.path === "/openapi.json") return json(200, protectedDocument("/api/orders"));
  if (req.path !== "/api/orders") return json(404, { error: "not found" });
  if (req.headers.authorization === GOOD_TOKEN.authorization)
    return json(200, { orders: [{ id: 1, item: "book", total: 12 }] });
  return json(200, { status: "fail", message: "token missing" });
};

describe("a protected operation that refuses with 200", () => {
  test("a refused token answered 200 with status fail is no access for PROC-01, and OUT-07 reports the disguised error", async () => {
    const report = await scan(await serve(refusesWith200), GOOD_TOKEN);

    assert.deepEqual(titles(report, "proc-01-missing-auth"), []);
    assert.notEqual(verdictOf(report, "PROC-01").verdict, "fail");
    const disguised = ["out-07-status-codes", "out-07-error-status"]
      .flatMap((id) => findingsOf(report, id))
      .find((f) => f.title === "Error answered with 200");
    assert.ok(
      disguised?.location.kind === "http" && disguised.location.url.endsWith("/api/orders"),
      JSON.stringify(titles(report, "out-07-status-codes", "out-07-error-status")),
    );
    assert.equal(verdictOf(report, "OUT-07").verdict, "fail");
  });

  test("scanned without credentials, the same refusal is missing credentials answered 200, not access", async () => {
    const report = await scan(await serve(refusesWith200));

    assert.deepEqual(titles(report, "proc-01-missing-auth"), []);
    assert.ok(
      titles(report, "out-07-status-codes").includes("Missing credentials answered with 200"),
      JSON.stringify(titles(report, "out-07-status-codes")),
    );
  });

  test("a protected job that answers without a token is found by PROC-01, even when the job's status is failed", async () => {
    const url = await serve((req) => {
      if (req.path === "/openapi.json") return json(200, protectedDocument("/api/jobs/latest"));
      if (req.path !== "/api/jobs/latest") return json(404, { error: "not found" });
      return json(200, { id: 7, status: "failed", kind: "export" });
    });
    const report = await scan(url, GOOD_TOKEN);

    assert.ok(
      titles(report, "proc-01-missing-auth").includes(
        "Protected operation answers without credentials",
      ),
      JSON.stringify(titles(report, "proc-01-missing-auth")),
    );
    assert.equal(verdictOf(report, "PROC-01").verdict, "fail");
    // The job's "failed" is data: no error is disguised as 200 here.
    assert.deepEqual(titles(report, "out-07-status-codes", "out-07-error-status"), []);
  });
});

// --- 3. Unknown routes ---------------------------------------------------------------------

const SPA_INDEX =
  '<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><script type="module" src="/assets/index-4f2a.js"></script></head><body><div id="root"></div></body></html>';

/** Every path the API does not know, whatever the method, shows the debug page or trace. */
const LEAKY_UNKNOWN_ROUTES: { shape: string; answer: StubAnswer; leak: RegExp }[] = [
  {
    shape: "a 500 with a Node.js stack trace",
    answer: { status: 500, type: "text/plain; charset=utf-8", body: NODE_TRACE },
    leak: /^Node\.js stack trace/,
  },
  {
    shape: "Express's development error page",
    answer: { status: 500, type: "text/html; charset=utf-8", body: EXPRESS_DEV_PAGE },
    leak: /^Node\.js stack trace/,
  },
  {
    shape: "Django's DEBUG 404 page",
    answer: { status: 404, type: "text/html; charset=utf-8", body: DJANGO_DEBUG_404 },
    leak: /^Django debug page/,
  },
  {
    shape: "Laravel's debug JSON",
    answer: json(500, LARAVEL_DEBUG_JSON),
    leak: /^Laravel debug error/,
  },
];

describe("unknown routes", () => {
  test("an SPA catch-all answering 200 HTML everywhere raises no PROC-08, ACC-04, 405, 406 or 415 claim", async () => {
    const url = await serve(itemsApi(() => ({ status: 200, type: "text/html", body: SPA_INDEX })));
    const report = await scan(url);

    assert.deepEqual(
      titles(
        report,
        "proc-08-stack-traces",
        "proc-08-debug",
        "acc-04-directory-listing",
        "acc-04-listing-seen",
        "in-01-methods",
        "in-02-not-acceptable",
        "in-03-unsupported-media-type",
      ),
      [],
    );
    for (const item of ["PROC-08", "ACC-04", "IN-01", "IN-02", "IN-03"])
      assert.notEqual(verdictOf(report, item).verdict, "fail", item);
  });

  for (const { shape, answer, leak } of LEAKY_UNKNOWN_ROUTES) {
    test(`unknown paths answered with ${shape} fail PROC-08`, async () => {
      const url = await serve(itemsApi(() => answer));
      const report = await scan(url);

      const found = titles(report, "proc-08-stack-traces", "proc-08-debug");
      assert.ok(
        found.some((t) => leak.test(t)),
        `PROC-08 findings: ${JSON.stringify(found)}`,
      );
      assert.equal(verdictOf(report, "PROC-08").verdict, "fail");
    });
  }
});

describe("findStackTrace on the samples", () => {
  const traces: Record<string, [body: string, name: string]> = {
    "a Node.js trace in plain text": [NODE_TRACE, "Node.js stack trace"],
    "a Node.js trace inside JSON": [
      JSON.stringify({ error: "Error: not found", stack: NODE_TRACE }),
      "Node.js stack trace",
    ],
    "Express's development error page": [EXPRESS_DEV_PAGE, "Node.js stack trace"],
    "Django's DEBUG 404 page": [DJANGO_DEBUG_404, "Django debug page"],
    "Django's DEBUG page with a straight apostrophe": [
      DJANGO_DEBUG_404.replace("\u2019", "'"),
      "Django debug page",
    ],
    "Laravel's debug JSON": [LARAVEL_DEBUG_JSON, "Laravel debug error"],
    "Laravel's debug JSON with escaped slashes (PHP's json_encode)": [
      LARAVEL_DEBUG_JSON.replaceAll("/", "\\/"),
      "Laravel debug error",
    ],
    "Laravel's Ignition page": [
      '<!doctype html><html><head><title>Table not found</title></head><body><div id="app"></div><script>window.ignite(window.data);</script></body></html>',
      "Laravel / Symfony debug page",
    ],
    "a frame of Symfony's debug page": [
      '<span class="trace-class">Connection</span>->runQueryCallback() in <a title="/var/www/vendor/laravel/framework/src/Illuminate/Database/Connection.php line 624">Connection.php line 624</a>',
      "PHP stack trace",
    ],
  };
  for (const [sample, [body, name]] of Object.entries(traces)) {
    test(`${sample} is found as a ${name}`, () => {
      assert.equal(findStackTrace(body)?.name, name);
    });
  }

  const ordinary: Record<string, string> = {
    "an SPA index page": SPA_INDEX,
    "an error message without frames": '{"error":"Error: not found"}',
    "a time and a path in one sentence": '{"message":"Pickup at /stores/12 from 10:30"}',
    "timestamps beside paths": '{"events":[{"at":"2024-01-01T10:00:00Z","path":"/api/x"}]}',
    "Django's production 404 page":
      "<h1>Not Found</h1><p>The requested resource was not found on this server.</p>",
    "advice about DEBUG": "Set DEBUG = True in settings.py to see details",
    "an exception name without a file": '{"exception":"ValidationException","message":"x"}',
    "a car part named Ignition": '{"items":[{"name":"Ignition coil","price":12}]}',
    "Laravel's production error page (debug off)":
      "<html><head><title>Error</title></head><body><h1>Whoops, looks like something went wrong.</h1></body></html>",
    "the same words as a JSON message": '{"message":"Whoops, looks like something went wrong."}',
    "a Spring Boot JSON error": ERROR_BODIES["Spring Boot JSON error"] as string,
    "an empty body": "",
  };
  for (const [sample, body] of Object.entries(ordinary)) {
    test(`${sample} is not a stack trace`, () => {
      assert.equal(findStackTrace(body), undefined);
    });
  }
});
