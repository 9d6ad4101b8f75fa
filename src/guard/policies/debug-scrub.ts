import { STATUS_CODES } from "node:http";
import { Type } from "@sinclair/typebox";
import type { GuardPolicy, Rejection, ResponseHead } from "../policy.js";
import { rejection } from "../policy.js";
import { Bytes, policyOptions } from "../policy-options.js";
import { mediaTypeOf } from "./response-type.js";

/** `policies.debug` in the config: what can be set, and the defaults (the secure choice). */
export const debugScrubOptions = policyOptions(
  "debug",
  Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
  {
    /**
     * Bodies up to this size are inspected for stack traces and debug pages: every error body
     * (a longer one is withheld with 502), and every textual body of another status whose
     * Content-Length is within it. Response headers are inspected always. 0 turns it off.
     */
    maxBytes: 256 * 1024,
  },
);

/**
 * What debug output looks like, across stacks: stack frames (JavaScript, Java, .NET, Python,
 * PHP, Ruby, Go), framework debug pages, and raw database errors. Written from the frameworks'
 * formats, not from any one application.
 */
const DEBUG_SIGNS: readonly RegExp[] = [
  /\n[ \t]*at (?:async )?[\w$.<>[\] ]+ \((?:file:\/\/)?[^()\s]+:\d+:\d+\)/, // V8 frame with location
  /\n[ \t]*at (?:async )?(?:file:\/\/)?\/[^\s()]+:\d+:\d+/, // V8 anonymous frame
  /(?:^|\\n|\n)\s*at (?:[\w$]+\.)+[\w$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)/, // JVM frame
  /(?:^|\\n|\n)\s*at [\w.`<>]+\([^)]*\) in [^\n]+:line \d+/, // .NET frame
  /Traceback \(most recent call last\)/, // Python
  /Stack trace:\s*(?:\\n|\n)#0 /, // PHP
  /\.rb:\d+:in [`']/, // Ruby (a quote since 3.4, a backtick before)
  /goroutine \d+ \[running\]/, // Go panic
  /You're seeing this error because you have <code>DEBUG = True<\/code>/, // Django
  /Werkzeug Debugger|The debugger caught an exception in your WSGI application/, // Flask
  /Whoops\\Exception|Illuminate\\[A-Z]|Symfony\\Component\\ErrorHandler/, // Laravel, Symfony
  /Server Error in '[^']*' Application/, // ASP.NET yellow screen
  /Action Controller: Exception caught/, // Rails
  /SQLSTATE\[|ORA-\d{5}|You have an error in your SQL syntax|SQLITE_ERROR|PG::\w+Error/, // SQL
  /"stack"\s*:\s*"[^"]*\\n\s+at /, // a stack trace inside a JSON error body
  // Express's development error page (finalhandler): frames after "<br> &nbsp; &nbsp;".
  /<br>(?: |&nbsp;)*at (?:[\w$.<>[\] ]+ \()?(?:file:\/\/)?\/?[^()\s<]+:\d+:\d+/,
];

/**
 * What every sign above needs to find, in one pass each: most bodies have none of it, and then
 * the signs need not run one by one over the whole body (the guard peeks at every short answer).
 * Each literal is one that every sign it stands for contains; where a sign allows, it is a part
 * that starts with a character rare in prose, since a search stops at each occurrence of the
 * first one ("WSGI" of "The debugger caught an exception in your WSGI application",
 * "Controller:" of "Action Controller: Exception caught").
 */
const ANY_SIGN_LITERALS: readonly string[] = [
  "at ",
  "Traceback",
  "Stack trace",
  ".rb:",
  "goroutine ",
  "DEBUG = True",
  "Werkzeug",
  "WSGI",
  "Whoops",
  "Illuminate",
  "Symfony",
  "Server Error in",
  "Controller:",
  "SQLSTATE",
  "ORA-",
  "SQL syntax",
  "SQLITE_ERROR",
  "PG::",
];
const ANY_SIGN_BYTES: readonly Buffer[] = ANY_SIGN_LITERALS.map((l) => Buffer.from(l, "latin1"));

/**
 * Up to this size a body is searched as one Latin-1 string (one character per byte, no UTF-8
 * decoding): 18 calls of String#includes cost less than 18 calls of Buffer#includes into C++
 * (2.3 against 3.0 µs over a 2 KiB JSON answer). Beyond it, copying the body into a string
 * costs more than the calls save (1.15x at 8 KiB, 2.3x at 256 KiB), and the bytes are searched
 * as they came.
 */
const SEARCHED_AS_TEXT = 4096;

function hasAnySign(text: string): boolean {
  for (const literal of ANY_SIGN_LITERALS) if (text.includes(literal)) return true;
  return false;
}

/**
 * The body as Latin-1 text (one character per byte, no UTF-8 validation; every sign is ASCII)
 * when it holds one of the literals, else undefined: read once whichever way it was searched.
 */
function textWithAnySign(body: Buffer): string | undefined {
  if (body.length <= SEARCHED_AS_TEXT) {
    const text = body.toString("latin1");
    return hasAnySign(text) ? text : undefined;
  }
  for (const literal of ANY_SIGN_BYTES) if (body.includes(literal)) return body.toString("latin1");
  return undefined;
}

/** Frames as a header value carries them: on one line. */
const HEADER_SIGN =
  /\bat (?:[\w$.<>[\] ]+ \((?:file:\/\/)?[^()\s]+:\d+:\d+\)|(?:[\w$]+\.)+[\w$<>]+\([\w$]+\.(?:java|kt|scala):\d+\))|Traceback \(most recent call last\)|\.py", line \d+|\.rb:\d+:in [`']|goroutine \d+ \[running\]|SQLSTATE\[/;

// JSON escapes a trace's newlines ("\n" as two characters) and puts each frame of an array in its
// own string: read it as text, with every string on a line of its own.
const JSON_ESCAPES = /\\u000[aA]|\\[nrt"/\\]|"/g;

function unescapeJsonish(text: string): string {
  return text.replace(JSON_ESCAPES, (m) =>
    m === '"' || m === "\\n" || m.length === 6
      ? "\n"
      : m === "\\r" || m === "\\t"
        ? " "
        : m.slice(1),
  );
}

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

/** A success or redirect that carried debug output: the answer cannot be trusted, withheld. */
const WITHHELD = rejection(
  { id: "debug-scrub", items: ["PROC-08"] },
  502,
  "Bad Gateway",
  "The upstream answer showed debug output; the details were logged with this correlation id.",
);

/**
 * Whether a response body shows debug output (exported for tests and the scanner), including
 * traces escaped inside JSON strings under any member name.
 */
export function looksLikeDebugOutput(text: string): boolean {
  return hasAnySign(text) && showsDebug(text);
}

/** The signs themselves, over a text known to hold one of their literals. */
function showsDebug(text: string): boolean {
  if (DEBUG_SIGNS.some((sign) => sign.test(text))) return true;
  // Every frame sign needs "at ": without one, the unescaped text has nothing more to show.
  if (!text.includes("at ")) return false;
  const unescaped = unescapeJsonish(text);
  return DEBUG_SIGNS.some((sign) => sign.test(unescaped));
}

/** Whether a header value carries a stack frame or a debug marker. */
export function looksLikeDebugHeader(value: string): boolean {
  return value.length > 12 && HEADER_SIGN.test(value);
}

/** Text types a debug page or trace comes in; binary bodies are not peeked at. */
function isTextual(head: ResponseHead): boolean {
  const type = mediaTypeOf(head.headers["content-type"]);
  return (
    type === "" ||
    type.startsWith("text/") ||
    type.endsWith("json") ||
    type.endsWith("xml") ||
    type === "application/javascript"
  );
}

/**
 * Upstream bodies with stack traces or debug pages, whatever the status, are replaced by a
 * generic `application/problem+json` with the correlation id (the same status for an error,
 * 502 for anything else); the original is logged. Response headers carrying a trace are removed
 * (PROC-08).
 */
export const debugScrubPolicy: GuardPolicy = {
  id: "debug-scrub",
  options: debugScrubOptions,
  items: ["PROC-08"],
  title: "Stack traces and framework debug pages replaced by a generic problem",
  create(route) {
    const max = route.policies.debug.maxBytes;
    if (max === 0) return undefined;
    return {
      onResponseHead(head, ctx) {
        const headers = head.headers;
        for (const name in headers) {
          const value = headers[name];
          const text =
            typeof value === "string" ? value : Array.isArray(value) ? value.join("\n") : "";
          if (!looksLikeDebugHeader(text)) continue;
          delete headers[name];
          ctx.runtime.logger.warn({ event: "debug-header-removed", id: ctx.id, header: name });
        }
        // An error body must be read to be answered; a longer one is withheld.
        return head.status >= 400 ? max : undefined;
      },
      // A success is read when its declared length is within the limit: a body sent without
      // one is a stream (server-sent events, NDJSON feeds) and holding it back would stall it.
      peekResponse(head) {
        if (head.status >= 400 || !isTextual(head)) return undefined;
        const length = head.headers["content-length"];
        return typeof length === "string" && Number(length) <= max ? max : undefined;
      },
      onResponseBody(body, head) {
        const text = textWithAnySign(body);
        if (text === undefined || !showsDebug(text)) return undefined;
        if (head.status < 400) return WITHHELD;
        return SCRUBBED.get(head.status) ?? SCRUBBED.get(500);
      },
    };
  },
};
