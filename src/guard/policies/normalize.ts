import type { Rejection, RequestContext } from "../policy.js";
import { rejection } from "../policy.js";

/**
 * Request normalisation: the guard and the upstream must read the same path, so anything that
 * two parsers could read differently is refused rather than guessed (RFC 3986 section 6;
 * RFC 9112 section 6.3 for Content-Length with Transfer-Encoding).
 */
export const normalizePolicy = Object.freeze({
  id: "normalize-request",
  items: Object.freeze(["IN-01"] as const),
  title: "Canonical paths only: ambiguous encodings, dot segments and smuggling refused",
});

/** Headers that let a client change the method behind the guard's back (IN-01). */
export const METHOD_OVERRIDE_HEADERS = Object.freeze([
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
]);

/**
 * Headers that let a client change the path behind the guard's back: IIS URL Rewrite and
 * Symfony route by X-Original-URL / X-Rewrite-URL when present (IN-01).
 */
export const URL_OVERRIDE_HEADERS = Object.freeze(["x-original-url", "x-rewrite-url"]);

/** Headers a request may carry once only: two copies are read differently by different parsers. */
const SINGLETON_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "authorization",
]);

const r = (status: number, title: string, detail: string) =>
  rejection(normalizePolicy, status, title, detail);
const TOO_LONG = r(414, "URI Too Long", "The request target is longer than allowed.");
const NOT_ORIGIN_FORM = r(400, "Bad Request", "The request target must be an absolute path.");
const BAD_CHAR = r(400, "Bad Request", "The path contains a character that is not allowed.");
const BAD_ESCAPE = r(400, "Bad Request", "The path contains an invalid percent-encoding.");
const ENCODED_DELIMITER = r(
  400,
  "Bad Request",
  "The path contains an encoded slash, backslash, dot, percent sign or NUL.",
);
const AMBIGUOUS_SEGMENT = r(
  400,
  "Bad Request",
  "The path contains an empty, dot or trailing-dot segment.",
);
const UNICODE = r(
  400,
  "Bad Request",
  "The path contains invalid UTF-8 or a Unicode look-alike of a delimiter.",
);
const TOO_DEEP = r(400, "Bad Request", "The path has more segments than allowed.");
const SMUGGLING = r(
  400,
  "Bad Request",
  "A request may not carry both Content-Length and Transfer-Encoding.",
);
const DUPLICATE = r(400, "Bad Request", "A header that must appear once appears several times.");

// RFC 3986 pchar without "%" (checked separately) and without ";" (path parameters are read
// differently by Java and other servers: "/admin;x=1" is "/admin" there).
const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;
// Decoded path bytes must be UTF-8: overlong forms ("%C0%AE" for ".") are what old decoders
// turned into delimiters (RFC 3629 section 10).
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
// Delimiters that a non-ASCII character must not turn into once an upstream folds it: NFKC
// (Python, .NET, some routers) makes U+FF0F a "/" and U+FF0E a "." (UTS #15; UTS #39 on
// confusables); Windows "best fit" does the same to the division and fraction slashes.
const DELIMITERS = "/\\.%;?#";
const BEST_FIT_SLASHES = /[\u2044\u2215\u29f8\u29f9]/;

export interface NormalizeOptions {
  readonly maxUrlLength: number;
  readonly maxSegments: number;
}

/**
 * Builds the normaliser. It sets `ctx.path` to the canonical path (unreserved characters
 * decoded, other escapes upper-cased, RFC 3986 6.2.2) and `ctx.query`, strips method- and
 * URL-override headers, or returns a rejection.
 *
 * @example
 * ```ts
 * const normalize = createNormalizer({ maxUrlLength: 2048, maxSegments: 32 });
 * normalize(ctx); // undefined, ctx.path === "/api/users" for "/api/%75sers"
 * ```
 */
export function createNormalizer(
  options: NormalizeOptions,
): (ctx: RequestContext) => Rejection | undefined {
  if (!Number.isInteger(options.maxUrlLength) || !Number.isInteger(options.maxSegments))
    throw new TypeError("normalize options must be integers");
  const { maxUrlLength, maxSegments } = options;
  return (ctx) => {
    const req = ctx.req;
    const url = req.url ?? "";
    if (url.length > maxUrlLength) return TOO_LONG;
    if (url.charCodeAt(0) !== 47 /* "/" */) return NOT_ORIGIN_FORM;
    const q = url.indexOf("?");
    const raw = q === -1 ? url : url.slice(0, q);
    ctx.query = q === -1 ? "" : url.slice(q);
    if (!PATH_CHAR.test(raw)) return BAD_CHAR;
    let path = raw;
    let wide = false;
    if (raw.includes("%")) {
      let out = "";
      for (let i = 0; i < raw.length; i++) {
        const c = raw[i] as string;
        if (c !== "%") {
          out += c;
          continue;
        }
        const hex = raw.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return BAD_ESCAPE;
        const code = Number.parseInt(hex, 16);
        // "/", "\", ".", "%" (double encoding), NUL and controls: each a known traversal or
        // filter bypass when one side decodes and the other does not.
        if (code === 0x2f || code === 0x5c || code === 0x2e || code === 0x25 || code < 0x20)
          return ENCODED_DELIMITER;
        const ch = String.fromCharCode(code);
        if (code >= 0x80) wide = true;
        out += code < 0x80 && UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
        i += 2;
      }
      path = out;
      if (wide && !plainUnicode(path)) return UNICODE;
    }
    let segments = 0;
    let start = 1;
    for (let i = 1; i <= path.length; i++) {
      if (i === path.length || path.charCodeAt(i) === 47) {
        const segment = path.slice(start, i);
        const last = i === path.length;
        // "" in the middle ("//"), "." and ".." (RFC 3986 5.2.4 would resolve them: refuse
        // instead) and "name." (Windows and some servers strip trailing dots).
        if (segment === "" ? !last : segment.endsWith(".")) return AMBIGUOUS_SEGMENT;
        segments++;
        start = i + 1;
      }
    }
    if (segments > maxSegments) return TOO_DEEP;
    ctx.path = path;
    const headers = req.headers;
    if (headers["transfer-encoding"] !== undefined && headers["content-length"] !== undefined)
      return SMUGGLING;
    const rawHeaders = req.rawHeaders;
    if (rawHeaders.length > 2) {
      let seen = 0;
      for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = (rawHeaders[i] as string).toLowerCase();
        if (!SINGLETON_HEADERS.has(name)) continue;
        // A bit per singleton header, in the order of the set.
        const bit = bitOf(name);
        if (seen & bit) return DUPLICATE;
        seen |= bit;
      }
    }
    for (const name of METHOD_OVERRIDE_HEADERS) if (name in headers) delete headers[name];
    for (const name of URL_OVERRIDE_HEADERS) if (name in headers) delete headers[name];
    return undefined;
  };
}

/**
 * Whether the non-ASCII characters of an escaped path are valid UTF-8 and stay clear of every
 * delimiter under Unicode compatibility folding (fullwidth solidus, one-dot leader, ...).
 */
function plainUnicode(path: string): boolean {
  const bytes: number[] = [];
  for (let i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) === 37 /* "%" */) {
      bytes.push(Number.parseInt(path.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(path.charCodeAt(i));
  }
  let text: string;
  try {
    text = STRICT_UTF8.decode(Uint8Array.from(bytes));
  } catch {
    return false;
  }
  // Only the non-ASCII characters, apart: the ASCII ones were checked above.
  let wide = "";
  for (const ch of text) wide += ch.charCodeAt(0) < 0x80 ? " " : ch;
  if (BEST_FIT_SLASHES.test(wide)) return false;
  for (const ch of wide.normalize("NFKC")) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f || DELIMITERS.includes(ch)) return false;
  }
  return true;
}

function bitOf(name: string): number {
  switch (name) {
    case "host":
      return 1;
    case "content-length":
      return 2;
    case "content-type":
      return 4;
    case "transfer-encoding":
      return 8;
    default:
      return 16;
  }
}
