import { Type } from "@sinclair/typebox";
import { StringEnum } from "../../core/validate.js";
import type { Rejection, RequestContext } from "../policy.js";
import { rejection } from "../policy.js";
import { policyOptions } from "../policy-options.js";

/** `policies.normalize` in the config: what can be set, and the defaults (the secure choice). */
export const normalizeOptions = policyOptions(
  "normalize",
  Type.Object(
    {
      maxUrlLength: Type.Optional(Type.Integer({ minimum: 16, maximum: 65536 })),
      maxSegments: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
      trailingSlash: Type.Optional(
        StringEnum(["strip", "redirect", "refuse"] as const, {
          description:
            "a path ending in / is routed and forwarded without it (strip), answered 308 to that path (redirect) or 404 (refuse); a static route declared with its slash keeps it; read from defaults only",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  {
    /** Longer request targets are refused with 414. */
    maxUrlLength: 2048,
    /** Deeper paths are refused as ambiguous or abusive. */
    maxSegments: 32,
    /**
     * A path ending in "/" (other than "/") is routed and forwarded without it: most upstreams
     * serve "/p/" as "/p", so the guard applies "/p"'s policies, never those of a sibling
     * "/p/:id" or "/*" that a router would match. `redirect` answers 308 to the path without
     * the slash; `refuse` answers 404. A static route declared with its slash ("/static/")
     * keeps it. Read from `defaults.policies` only: it applies before any route is chosen.
     */
    trailingSlash: "strip" as "strip" | "redirect" | "refuse",
  },
);

/**
 * Request normalisation: the guard and the upstream must read the same path, so anything that
 * two parsers could read differently is refused rather than guessed (RFC 3986 section 6;
 * RFC 9112 section 6.3 for Content-Length with Transfer-Encoding).
 */
export const normalizePolicy = Object.freeze({
  id: "normalize-request",
  items: Object.freeze(["IN-01"] as const),
  title: "Canonical paths only: ambiguous encodings, dot segments and smuggling refused",
  options: normalizeOptions,
});

/** Headers that let a client change the method behind the guard's back (IN-01). */
export const METHOD_OVERRIDE_HEADERS = Object.freeze([
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
]);

/**
 * Headers that let a client change the path behind the guard's back: IIS URL Rewrite and
 * Symfony route by X-Original-URL / X-Rewrite-URL when present, nginx auth_request and Traefik
 * pass X-Original-URI / X-Forwarded-Uri, and Spring, ASP.NET and Symfony prepend
 * X-Forwarded-Prefix to the paths they build (IN-01).
 */
export const URL_OVERRIDE_HEADERS = Object.freeze([
  "x-original-url",
  "x-rewrite-url",
  "x-original-uri",
  "x-forwarded-uri",
  "x-forwarded-prefix",
  "x-forwarded-path",
  "x-envoy-original-path",
]);

/**
 * Headers the guard strips or sets itself, by their dashed name. CGI, PHP, WSGI and Rack read
 * every header as an HTTP_* variable with "-" turned into "_" (RFC 3875 4.1.18), so
 * "X_Forwarded_For" reaches them as the X-Forwarded-For the guard controls: a header spelled
 * with "_" whose dashed form is one of these is removed.
 */
const CONTROLLED_HEADERS = new Set([
  ...METHOD_OVERRIDE_HEADERS,
  ...URL_OVERRIDE_HEADERS,
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-server",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "x-cluster-client-ip",
  "x-original-forwarded-for",
  "x-request-id",
  "x-api-key",
  "content-length",
  "content-type",
  "content-encoding",
  "transfer-encoding",
]);

/** Headers a request may carry once only: two copies are read differently by different parsers. */
const SINGLETON_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "authorization",
]);

/** The lengths of {@link SINGLETON_HEADERS}' names: a raw name of another length is none of them. */
const SINGLETON_LENGTHS = new Set([...SINGLETON_HEADERS].map((name) => name.length));

/** Override headers, removed from every request (IN-01). */
const STRIPPED_HEADERS = new Set([...METHOD_OVERRIDE_HEADERS, ...URL_OVERRIDE_HEADERS]);

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
const METHOD_OVERRIDE = r(
  400,
  "Bad Request",
  "The request method may not be overridden by a query parameter.",
);
const SLASH_REFUSED = r(404, "Not Found", "No such resource.");

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
  /** What a path ending in "/" becomes: routed without it, redirected there, or refused. */
  readonly trailingSlash: "strip" | "redirect" | "refuse";
}

/**
 * Builds the normaliser. It sets `ctx.path` to the canonical path (unreserved characters
 * decoded, other escapes upper-cased, RFC 3986 6.2.2; a trailing slash stripped by default) and
 * `ctx.query`, strips method- and URL-override headers and their `_` spellings, or returns a
 * rejection (a `_method` query override among them). A path in `slashRoutes` (a route declared
 * with its trailing slash: the upstream tells the two apart) keeps its slash.
 *
 * @example
 * ```ts
 * const normalize = createNormalizer({ maxUrlLength: 2048, maxSegments: 32, trailingSlash: "strip" });
 * normalize(ctx); // undefined, ctx.path === "/api/users" for "/api/%75sers/"
 * ```
 */
export function createNormalizer(
  options: NormalizeOptions,
  slashRoutes: ReadonlySet<string> = new Set(),
): (ctx: RequestContext) => Rejection | undefined {
  if (!Number.isInteger(options.maxUrlLength) || !Number.isInteger(options.maxSegments))
    throw new TypeError("normalize options must be integers");
  if (!["strip", "redirect", "refuse"].includes(options.trailingSlash))
    throw new TypeError("normalize trailingSlash must be strip, redirect or refuse");
  const { maxUrlLength, maxSegments, trailingSlash } = options;
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
    if (
      path.length > 1 &&
      path.charCodeAt(path.length - 1) === 47 /* "/" */ &&
      !slashRoutes.has(path)
    ) {
      if (trailingSlash === "refuse") return SLASH_REFUSED;
      path = path.slice(0, -1);
      // 308 keeps the method and body (RFC 9110 15.4.9); made per request, as its Location is.
      if (trailingSlash === "redirect")
        return rejection(
          normalizePolicy,
          308,
          "Permanent Redirect",
          "The path has no trailing slash.",
          {
            Location: path + ctx.query,
          },
        );
    }
    ctx.path = path;
    if (ctx.query.length > 1 && METHOD_WORD.test(ctx.query) && overridesMethod(ctx.query))
      return METHOD_OVERRIDE;
    const headers = req.headers;
    if (headers["transfer-encoding"] !== undefined && headers["content-length"] !== undefined)
      return SMUGGLING;
    const rawHeaders = req.rawHeaders;
    if (rawHeaders.length > 2) {
      let seen = 0;
      for (let i = 0; i < rawHeaders.length; i += 2) {
        const raw = rawHeaders[i] as string;
        // Only a name of a singleton's length is lower-cased (clients send "Content-Type").
        if (!SINGLETON_LENGTHS.has(raw.length)) continue;
        const name = raw.toLowerCase();
        if (!SINGLETON_HEADERS.has(name)) continue;
        // A bit per singleton header, in the order of the set.
        const bit = bitOf(name);
        if (seen & bit) return DUPLICATE;
        seen |= bit;
      }
    }
    // One pass over the request's few headers rather than a lookup per stripped name.
    for (const name in headers)
      if (
        STRIPPED_HEADERS.has(name) ||
        (name.includes("_") && CONTROLLED_HEADERS.has(name.replaceAll("_", "-")))
      )
        delete headers[name];
    return undefined;
  };
}

const METHOD_WORD = /method/i;

/**
 * Whether a query names `_method`, the parameter that Laravel, Symfony, Rails' Rack middleware
 * and Express's method-override read as the real method: a GET the guard allowed could reach the
 * upstream as a DELETE. Names are read as {@link foldParameterName} folds them.
 */
function overridesMethod(query: string): boolean {
  for (const pair of query.slice(1).split(/[&;]/)) {
    const eq = pair.indexOf("=");
    for (const name of foldParameterName(eq === -1 ? pair : pair.slice(0, eq)))
      if (name === "_method") return true;
  }
  return false;
}

/**
 * The names a query parameter's name may be read as upstream: percent-decoded with "+" as a
 * space, trimmed, lower-cased, with ".", " " and "-" folded into "_" (PHP folds the first two,
 * and many stacks treat "access-token" and "access_token" alike), split at brackets, so that
 * "auth[access.token][]" yields "auth" and "access_token".
 *
 * @example
 * ```ts
 * foldParameterName("Access.Token%5B0%5D"); // ["access_token", "0"]
 * ```
 */
export function foldParameterName(raw: string): string[] {
  let name = raw;
  if (name.includes("+") || name.includes("%")) {
    try {
      name = decodeURIComponent(name.replace(/\+/g, " "));
    } catch {
      // Malformed escapes: the name as sent.
    }
  }
  const out: string[] = [];
  for (const part of name.split(/[[\]]/)) {
    const folded = part
      .trim()
      .toLowerCase()
      .replace(/[.\s-]/g, "_");
    if (folded !== "") out.push(folded);
  }
  return out;
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
