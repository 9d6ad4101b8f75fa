import type { Finding } from "../../../core/finding.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { marker, shapeOf } from "../parsers/documents.js";
import {
  describePoint,
  describeRequest,
  type InjectionPoint,
  injectionPoints,
  pointKey,
  requestWith,
} from "./points.js";
import { probePoints } from "./probe.js";

/** Database error texts that only a database driver writes, by engine. */
export const SQL_ERROR_SIGNATURES: readonly {
  readonly engine: string;
  readonly pattern: RegExp;
}[] = [
  {
    engine: "SQLite",
    pattern:
      /SQLITE_ERROR|unrecognized token:|near "[^"]*": syntax error|sqlite3?\.OperationalError|SQLite3::/i,
  },
  {
    engine: "PostgreSQL",
    pattern:
      /syntax error at or near|unterminated quoted string at or near|PG::SyntaxError|org\.postgresql\.util\.PSQLException|pg_query\(\)/i,
  },
  {
    engine: "MySQL",
    pattern:
      /You have an error in your SQL syntax|MySqlException|com\.mysql\.jdbc|Warning: mysql_|MariaDB server version for the right syntax/i,
  },
  {
    engine: "SQL Server",
    pattern:
      /Unclosed quotation mark after the character string|Microsoft OLE DB Provider for SQL Server|Incorrect syntax near|System\.Data\.SqlClient\.SqlException/i,
  },
  { engine: "Oracle", pattern: /\bORA-\d{5}\b|quoted string not properly terminated/i },
];

/** Values that break out of a quoted SQL string. */
const ERROR_PROBES = ["'", '"', "')"];

/** Pairs of an always-true and an always-false condition, as string-literal breakouts. */
const BOOLEAN_PAIRS: readonly {
  readonly truthy: string;
  readonly falsy: string;
  readonly again: string;
}[] = [
  { truthy: "' OR '1'='1", falsy: "' AND '1'='2", again: "' OR 'b'='b" },
  { truthy: "x' OR '1'='1", falsy: "x' AND '1'='2", again: "x' OR 'b'='b" },
];

/** A true condition must add at least this many bytes to the answer to count. */
const MIN_DIFFERENCE = 32;

/**
 * IN-04, SQL injection (CWE-89), `full` profile: every input of the document (path and query
 * parameters, JSON fields at any depth, form fields, declared headers and cookies) gets quote characters (error-based: a database error text that the example value
 * does not produce) and then pairs of true / false conditions (boolean-differential: the true
 * condition answers more than the false one, the false one answers like a value that matches
 * nothing, and a second true condition answers like the first). Every finding names the request.
 */
export const sqlInjectionCheck: ScanCheck = {
  id: "in-04-sql-injection",
  items: ["IN-04"],
  proves: ["IN-04"],
  severity: "high",
  intrusive: true,
  needs: ["operations"],
  title: "No SQL injection through parameters",
  run: (context) =>
    probePoints(context, injectionPoints(context), {
      cap: MAX_SQL_POINTS,
      nothing: "no input (parameter, JSON field, form field) in the document",
      probe: async (point, base) =>
        (await errorBased(context, point, base)) ?? (await booleanBased(context, point)),
    }),
};

/** Inputs probed for SQL injection at most (about ten requests each). */
export const MAX_SQL_POINTS = 40;

async function errorBased(
  context: CheckContext,
  point: InjectionPoint,
  base: Exchange,
): Promise<Finding | undefined> {
  for (const probe of ERROR_PROBES) {
    const request = requestWith(point, `${point.value}${probe}`);
    const answer = await context.http.trySend(request);
    // No answer: the input may hang the operation; the next payloads would wait too.
    if (!answer) return undefined;
    const signature = SQL_ERROR_SIGNATURES.find(
      (s) => s.pattern.test(answer.body) && !s.pattern.test(base.body),
    );
    if (!signature) continue;
    const at = answer.body.search(signature.pattern);
    return context.finding({
      title: `SQL injection: ${signature.engine} error on a quote`,
      detail: `The ${describePoint(point)} with a ${probe} appended made the ${signature.engine} database report a syntax error (${answer.status}): the value is pasted into the SQL text instead of bound as a parameter.`,
      exchange: answer,
      evidence: {
        request: describeRequest(request, answer),
        body: answer.body.slice(Math.max(0, at - 80), at + 200),
        note: `the example value answered ${base.status} without a database error`,
      },
      subject: `sql-error-${pointKey(point)}`,
    });
  }
  return undefined;
}

async function booleanBased(
  context: CheckContext,
  point: InjectionPoint,
): Promise<Finding | undefined> {
  const send = (value: string) => {
    const request = requestWith(point, value);
    return context.http.trySend(request).then((answer) => ({
      request,
      answer,
      shape: answer ? shapeOf({ ...answer, body: withoutEcho(answer.body, value) }, "") : "",
      size: answer ? withoutEcho(answer.body, value).length : 0,
    }));
  };
  const nothing = await send(`rampart-${marker()}`);
  if (!nothing.answer) return undefined;
  for (const pair of BOOLEAN_PAIRS) {
    const truthy = await send(pair.truthy);
    const falsy = await send(pair.falsy);
    const t = truthy.answer;
    const f = falsy.answer;
    if (!t || !f) return undefined;
    if (t.status >= 300 || f.status !== t.status) continue;
    if (truthy.size < falsy.size + MIN_DIFFERENCE) continue;
    // The false condition must look like no match at all, or the difference may be the data's.
    if (falsy.shape !== nothing.shape) continue;
    const again = await send(pair.again);
    if (!again.answer || again.shape !== truthy.shape) continue;
    return context.finding({
      title: "SQL injection: a true condition changes the result",
      detail: `The ${describePoint(point)} set to ${pair.truthy} answered ${t.body.length} bytes, set to ${pair.falsy} ${f.body.length} bytes like a value that matches nothing, and ${pair.again} answered like the first: the condition runs inside the database query.`,
      exchange: t,
      body: true,
      evidence: {
        request: describeRequest(truthy.request, t),
        note: `true condition: ${t.status}, ${t.body.length} bytes; false condition (${describeRequest(falsy.request, f)}): ${f.status}, ${f.body.length} bytes`,
      },
      subject: `sql-boolean-${pointKey(point)}`,
    });
  }
  return undefined;
}

/** The body without echoes of the value sent (raw, JSON, URL or HTML escaped): links, messages. */
function withoutEcho(body: string, value: string): string {
  const forms = new Set([
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
    value.replace(/&/g, "&amp;").replace(/'/g, "&#39;").replace(/"/g, "&quot;"),
  ]);
  let out = body;
  for (const form of forms) out = out.split(form).join("");
  return out;
}
