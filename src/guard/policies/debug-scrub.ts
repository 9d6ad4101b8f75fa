import { STATUS_CODES } from "node:http";
import type { GuardPolicy, Rejection } from "../policy.js";
import { rejection } from "../policy.js";

/**
 * What debug output looks like, across stacks: stack frames (JavaScript, Java, .NET, Python,
 * PHP, Ruby, Go), framework debug pages, and raw database errors. Written from the frameworks'
 * formats, not from any one application.
 */
const DEBUG_SIGNS: readonly RegExp[] = [
  /\n\s+at [\w$.<>[\] ]+ \((?:file:\/\/)?[^()\s]+:\d+:\d+\)/, // V8 frame with location
  /(?:^|\\n|\n)\s*at (?:[\w$]+\.)+[\w$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)/, // JVM frame
  /(?:^|\\n|\n)\s*at [\w.`<>]+\([^)]*\) in [^\n]+:line \d+/, // .NET frame
  /Traceback \(most recent call last\)/, // Python
  /Stack trace:\s*(?:\\n|\n)#0 /, // PHP
  /\.rb:\d+:in `/, // Ruby
  /goroutine \d+ \[running\]/, // Go panic
  /You're seeing this error because you have <code>DEBUG = True<\/code>/, // Django
  /Werkzeug Debugger|The debugger caught an exception in your WSGI application/, // Flask
  /Whoops\\Exception|Illuminate\\[A-Z]|Symfony\\Component\\ErrorHandler/, // Laravel, Symfony
  /Server Error in '[^']*' Application/, // ASP.NET yellow screen
  /Action Controller: Exception caught/, // Rails
  /SQLSTATE\[|ORA-\d{5}|You have an error in your SQL syntax|SQLITE_ERROR|PG::\w+Error/, // SQL
  /"stack"\s*:\s*"[^"]*\\n\s+at /, // a stack trace inside a JSON error body
];

/** One generic problem per error status, made once. */
const SCRUBBED: ReadonlyMap<number, Rejection> = new Map(
  Array.from({ length: 200 }, (_, i) => 400 + i).map((status) => [
    status,
    rejection(
      { id: "debug-scrub", items: ["PROC-08"] },
      status,
      STATUS_CODES[status] ?? "Error",
      "The upstream failed; the details were logged with this correlation id.",
    ),
  ]),
);

/** Whether a response body shows debug output (exported for tests and the scanner). */
export function looksLikeDebugOutput(text: string): boolean {
  return DEBUG_SIGNS.some((sign) => sign.test(text));
}

/**
 * Upstream error bodies with stack traces or debug pages are replaced by a generic
 * `application/problem+json` with the same status and a correlation id; the original is logged
 * (PROC-08).
 */
export const debugScrubPolicy: GuardPolicy = {
  id: "debug-scrub",
  items: ["PROC-08"],
  title: "Stack traces and framework debug pages replaced by a generic problem",
  create(route) {
    const max = route.policies.debug.maxBytes;
    if (max === 0) return undefined;
    return {
      onResponseHead: (head) => (head.status >= 400 ? max : undefined),
      onResponseBody(body, head) {
        if (head.status < 400 || !looksLikeDebugOutput(body.toString("utf8"))) return undefined;
        return SCRUBBED.get(head.status) ?? SCRUBBED.get(500);
      },
    };
  },
};
