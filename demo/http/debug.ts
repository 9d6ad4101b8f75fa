// What a Node.js framework left in development mode shows. The stack frames are made up (an
// Express app under /app): a real stack would put the path of the machine running the demo into
// every scan report.

const EXPRESS_FRAMES = [
  "    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
  "    at next (/app/node_modules/express/lib/router/route.js:137:13)",
  "    at Route.dispatch (/app/node_modules/express/lib/router/route.js:112:3)",
  "    at /app/node_modules/express/lib/router/index.js:281:22",
  "    at Function.process_params (/app/node_modules/express/lib/router/index.js:341:12)",
  "    at next (/app/node_modules/express/lib/router/index.js:275:10)",
];

/**
 * The body of an error in debug mode: name, message and a JavaScript stack trace.
 *
 * @example
 * ```ts
 * debugErrorBody(new URIError("URI malformed"), 500, "/api/orders/:id").stack;
 * // "URIError: URI malformed\n    at decodeParam (/app/src/routes/orders.js:...)..."
 * ```
 */
export function debugErrorBody(
  error: unknown,
  status: number,
  pattern: string | undefined,
): Record<string, unknown> {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const module = `/app/src/routes/${moduleOf(pattern)}.js`;
  const top =
    error instanceof SyntaxError
      ? [
          "    at JSON.parse (<anonymous>)",
          "    at parse (/app/node_modules/body-parser/lib/types/json.js:89:19)",
          "    at /app/node_modules/body-parser/lib/read.js:121:18",
        ]
      : error instanceof URIError
        ? ["    at decodeURIComponent (<anonymous>)", `    at decodeParam (${module}:18:12)`]
        : [`    at handler (${module}:42:17)`];
  return {
    error: name,
    message,
    status,
    stack: [`${name}: ${message}`, ...top, ...EXPRESS_FRAMES].join("\n"),
    environment: "development",
  };
}

function moduleOf(pattern: string | undefined): string {
  const segment = pattern?.split("/").find((s) => s !== "" && s !== "api" && !s.startsWith(":"));
  return segment?.replace(/[^a-z0-9-]/gi, "") || "index";
}

/**
 * The fake configuration dump of `GET /debug/vars`: what such endpoints leak, made up for the
 * demo. Never the process environment.
 *
 * @example
 * ```ts
 * debugVars(Date.now() - started).config.database.password; // "demo-db-pass"
 * ```
 */
export function debugVars(uptimeMs: number) {
  return {
    cmdline: ["node", "/app/src/server.js"],
    env: "development",
    uptimeSeconds: Math.floor(uptimeMs / 1000),
    config: {
      debug: true,
      port: 8080,
      database: {
        host: "db.internal.demo.test",
        port: 5432,
        name: "shop",
        user: "shop_app",
        password: "demo-db-pass",
        url: "postgres://shop_app:demo-db-pass@db.internal.demo.test:5432/shop",
      },
      redis: "redis://:demo-redis-pass@cache.internal.demo.test:6379/0",
      smtp: { host: "smtp.demo.test", user: "mailer", password: "demo-smtp-pass" },
      sessionSecret: "demo-session-secret",
    },
    memstats: { heapAlloc: 18_874_368, heapSys: 33_554_432, numGC: 42 },
  };
}

/** The HTML of `GET /debug/console`: an interactive console page, like Werkzeug's. */
export const DEBUG_CONSOLE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Interactive Debug Console</title>
</head>
<body>
<h1>Interactive Debug Console</h1>
<p>Evaluate JavaScript in the context of the running application (environment: development).</p>
<form method="post" action="/debug/console">
<textarea name="cmd" rows="6" cols="80">process.env</textarea>
<button type="submit">Run</button>
</form>
<pre>&gt; app.locals.settings.env
'development'</pre>
</body>
</html>
`;
