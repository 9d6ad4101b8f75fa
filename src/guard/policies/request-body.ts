import type { IncomingHttpHeaders } from "node:http";
import { TextDecoder } from "node:util";
import { Type } from "@sinclair/typebox";
import { StringEnum } from "../../core/validate.js";
import { codingsOf, decodeCodings, isTooLarge } from "../codings.js";
import type { GuardPolicy, Rejection, RequestContext, RouteSpec } from "../policy.js";
import { rejection } from "../policy.js";
import { policyOptions } from "../policy-options.js";
import { bodyTooLarge } from "./body-limit.js";
import { isJson } from "./json-body.js";

/** `policies.requestBody` in the config: what can be set, and the defaults (the secure choice). */
export const requestBodyOptions = policyOptions(
  "requestBody",
  Type.Object(
    {
      encodings: Type.Optional(
        Type.Array(StringEnum(["gzip", "deflate", "br"] as const), {
          uniqueItems: true,
          description:
            "content codings decoded (the decoded size counts against bodyLimit); others are 415",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  {
    /**
     * Content codings a request body may arrive in (RFC 9110 8.4). The guard decodes them
     * within the route's bodyLimit (the decoded size counts), every body policy reads the
     * decoded body, and the upstream receives it decoded. Any other coding is 415.
     */
    encodings: Object.freeze(["gzip", "deflate", "br"]) as readonly ("gzip" | "deflate" | "br")[],
  },
);

const FORM = "application/x-www-form-urlencoded";

/**
 * One reading of a request body for every policy and for the upstream (issue 17): the content
 * codings undone (RFC 9110 8.4.1), within the route's bodyLimit counted on the decoded bytes;
 * a text body's charset turned into UTF-8 and its byte order mark dropped, as body parsers do
 * (RFC 8259 8.1: a parser may ignore a BOM). Body policies read only this, and it is what is
 * forwarded, with Content-Encoding removed and Content-Length and the charset set to match.
 */
export const requestBodyPolicy: GuardPolicy = {
  id: "request-body-decoding",
  options: requestBodyOptions,
  items: ["IN-03", "EXT-06"],
  title: "415 for a request content coding or charset the route does not accept",
  create(route) {
    const accepted = new Set<string>(route.policies.requestBody.encodings);
    const list = [...accepted].join(", ") || "identity";
    const badCoding = rejection(
      requestBodyPolicy,
      415,
      "Unsupported Media Type",
      `This route accepts request bodies in these content codings: ${list}.`,
      // RFC 9110 12.5.3: a 415 for a content coding lists the codings that are accepted.
      { "Accept-Encoding": list },
    );
    const badCharset = rejection(
      requestBodyPolicy,
      415,
      "Unsupported Media Type",
      "Text request bodies must be in UTF-8, UTF-16 or ISO-8859-1.",
    );
    return {
      onRequest(ctx) {
        const headers = ctx.req.headers;
        const coding = headers["content-encoding"];
        if (coding !== undefined && codingsOf(coding, accepted) === undefined) return badCoding;
        const type = headers["content-type"];
        if (type?.includes("=") && charsetOf(type) === null) return badCharset;
        return undefined;
      },
    };
  },
};

const CORRUPT = rejection(
  requestBodyPolicy,
  400,
  "Bad Request",
  "The request body does not decode with its declared content coding.",
);

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * The decoder of a text body's declared charset: null when the guard cannot read it, undefined
 * when the body is UTF-8 already (none declared, or UTF-8).
 */
function charsetOf(contentType: string): TextDecoder | null | undefined {
  const declared = CHARSET.exec(contentType)?.[1]?.toLowerCase();
  if (declared === undefined || declared === "utf-8" || declared === "utf8") return undefined;
  const decoder = DECODERS.get(declared);
  return decoder ?? null;
}

// The charsets body parsers of common stacks read (Express's body-parser reads utf-8, utf-16 and
// iso-8859-1 for JSON and forms); anything else (UTF-7, EBCDIC) could hide what a check looks for.
const DECODERS = new Map<string, TextDecoder>(
  (
    [
      ["utf-16le", "utf-16le"],
      ["utf-16be", "utf-16be"],
      ["utf-16", "utf-16le"],
      ["iso-8859-1", "latin1"],
      ["latin1", "latin1"],
      ["us-ascii", "latin1"],
      ["ascii", "latin1"],
    ] as const
  ).map(([label, encoding]) => [label, new TextDecoder(encoding, { fatal: true })]),
);

/** Media types whose body is text in a charset: JSON, forms, YAML, text/*. XML declares its own. */
function isText(mediaType: string): boolean {
  return (
    isJson(mediaType) ||
    mediaType === FORM ||
    mediaType.endsWith("yaml") ||
    (mediaType.startsWith("text/") && mediaType !== "text/xml")
  );
}

/**
 * Whether a request must be read whole to be decoded, whatever the policies want: a coded body
 * can only be sized once decoded, and the upstream must get what the guard read.
 */
export function needsDecoding(headers: IncomingHttpHeaders): boolean {
  const coding = headers["content-encoding"];
  return coding !== undefined && coding !== "identity";
}

/**
 * Builds a route's body decoder: the canonical body, or the rejection (413 past the limit once
 * decoded, 400 for a body that does not decode). Updates the request's headers to describe the
 * canonical body when it differs from what arrived. The route's onRequest already refused codings
 * and charsets it does not accept.
 *
 * @example
 * ```ts
 * const decode = createBodyDecoder(route.spec);
 * const body = decode(raw, ctx); // Buffer (decoded) or Rejection
 * ```
 */
export function createBodyDecoder(
  route: RouteSpec,
): (raw: Buffer, ctx: RequestContext) => Buffer | Rejection {
  const limit = route.bodyLimit;
  const accepted = new Set<string>(route.policies.requestBody.encodings);
  const tooLarge = bodyTooLarge(limit);
  return (raw, ctx) => {
    const headers = ctx.req.headers;
    let body = raw;
    const coding = headers["content-encoding"];
    if (coding !== undefined) {
      try {
        body = decodeCodings(body, codingsOf(coding, accepted) ?? [], limit);
      } catch (error) {
        return isTooLarge(error) ? tooLarge : CORRUPT;
      }
      delete headers["content-encoding"];
    }
    if (isText(ctx.contentType)) {
      const decoder = headers["content-type"] ? charsetOf(headers["content-type"]) : undefined;
      if (decoder) {
        let text: string;
        try {
          text = decoder.decode(body);
        } catch {
          return CORRUPT;
        }
        body = Buffer.from(text, "utf8");
        headers["content-type"] = `${ctx.contentType}; charset=utf-8`;
      } else if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
      if (body.length > limit) return tooLarge;
    }
    if (body !== raw) headers["content-length"] = String(body.length);
    return body;
  };
}
