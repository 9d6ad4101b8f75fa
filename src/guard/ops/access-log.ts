import pino, { type Logger } from "pino";

/**
 * One access log line per answered request, with the fields and the JSON that
 * `logger.info({ event: "access", ... })` would write, built from a fixed template instead:
 * pino's generic serialisation (key walk, redaction pass) was the guard's largest cost per
 * request after the sockets. The line goes to the logger's own destination, so it stays in order
 * with every other log line; the logger's level still decides, and its bindings (`base`, a
 * worker's id) are on the line as pino puts them. `id` (a UUID), `client` (an IP address) and
 * `method` (an HTTP token) are written unescaped: callers pass nothing else there.
 */
export type AccessLog = (
  id: string,
  client: string,
  method: string | undefined,
  url: string,
  route: string | undefined,
  status: number,
  ms: number,
  blockedBy: string | undefined,
  upstreamStatus: number | undefined,
) => void;

/**
 * Returns the access logger of a guard whose pino logger (no mixin, formatters nor hooks; `time`
 * as its timestamp) writes to `destination`.
 *
 * @example
 * ```ts
 * const time = isoTimeEachMillisecond();
 * const logger = pino({ base: null, timestamp: time }, process.stdout);
 * const access = accessLog(logger, process.stdout, time);
 * access(randomUUID(), "127.0.0.1", "GET", "/", "/", 200, 0.4, undefined, 200);
 * ```
 */
export function accessLog(
  logger: Logger,
  destination: { write(line: string): unknown },
  time: () => string,
): AccessLog {
  // Route patterns are few and come from the config: each is escaped once.
  const routes = new Map<string, string>();
  const quotedRoute = (route: string): string => {
    let quoted = routes.get(route);
    if (quoted === undefined) {
      quoted = JSON.stringify(route);
      if (routes.size < 4096) routes.set(route, quoted);
    }
    return quoted;
  };
  const bindings = logger as unknown as Record<symbol, string>;
  const chindings = pino.symbols.chindingsSym;
  return (id, client, method, url, route, status, ms, blockedBy, upstreamStatus) => {
    // pino's own test for "info is enabled" (30 is info), without isLevelEnabled's lookups.
    if (logger.levelVal > 30) return;
    // Field order and omissions as pino writes them: level, time, bindings, then the fields
    // given, undefined ones left out.
    // The id is the guard's own UUID, the client an address (the socket's, or one that isIP
    // accepted) and the method an HTTP token (llhttp accepts no other): none has a character
    // JSON escapes, so only the URL, which the client chose, is checked.
    let line = `{"level":30${time()}${bindings[chindings] ?? ""},"event":"access","id":"${id}","client":"${client}"`;
    if (method !== undefined) line += `,"method":"${method}"`;
    line += `,"url":${quote(url)}`;
    if (route !== undefined) line += `,"route":${quotedRoute(route)}`;
    line += `,"status":${status},"ms":${decimal(ms)}`;
    if (blockedBy) line += `,"blockedBy":${quote(blockedBy)}`;
    if (upstreamStatus) line += `,"upstreamStatus":${upstreamStatus}`;
    destination.write(`${line}}\n`);
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes.
const CONTROL = /[\u0000-\u001f]/;

/**
 * A JSON string as pino writes it: up to 100 characters, `"` and `\` escaped by hand and
 * JSON.stringify only for control characters (so a lone surrogate stays as it is); longer
 * strings by JSON.stringify. The common case (nothing to escape) costs one regular expression.
 */
function quote(text: string): string {
  if (text.length <= 100 && !NEEDS_ESCAPE.test(text)) return `"${text}"`;
  if (text.length > 100 || CONTROL.test(text)) return JSON.stringify(text);
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * A number as JSON writes it. Durations are logged in tenths of a millisecond: those are written
 * from integers (a double's shortest form costs ~10x more), which gives the same text.
 */
function decimal(value: number): string {
  const tenths = Math.round(value * 10);
  if (tenths / 10 !== value || tenths < 0 || tenths > 1e15)
    return Number.isFinite(value) ? String(value) : "null";
  const rest = tenths % 10;
  return rest === 0 ? String(tenths / 10) : `${(tenths - rest) / 10}.${rest}`;
}

/**
 * pino's ISO timestamp, formatted once per second rather than once per line (toISOString was a
 * measurable share of the access log's cost under load): the milliseconds are appended to the
 * second's text. The output is the same; `now` is injectable for tests.
 *
 * @example
 * ```ts
 * const logger = pino({ timestamp: isoTimeEachMillisecond() });
 * ```
 */
export function isoTimeEachMillisecond(now: () => number = Date.now): () => string {
  let last = Number.NaN;
  let second = Number.NaN;
  let head = "";
  let text = "";
  return () => {
    const time = now();
    if (time === last) return text;
    last = time;
    const start = time - (((time % 1000) + 1000) % 1000);
    if (start !== second) {
      second = start;
      const iso = new Date(start).toISOString();
      // "YYYY-MM-DDTHH:MM:SS." only for four-digit years; others take the slow path below.
      head = iso.length === 24 ? `,"time":"${iso.slice(0, 20)}` : "";
    }
    if (head === "") {
      text = `,"time":"${new Date(time).toISOString()}"`;
      return text;
    }
    const milli = time - start;
    text = `${head}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z"`;
    return text;
  };
}
