import { Type } from "@sinclair/typebox";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { policyOptions } from "../policy-options.js";

/** `policies.xml` in the config: what can be set, and the defaults (the secure choice). */
export const xmlBodyOptions = policyOptions(
  "xml",
  Type.Object({ allowDoctype: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  {
    /** DOCTYPE and ENTITY declarations are refused (XXE, PROC-04/05). */
    allowDoctype: false,
  },
);

/** `application/xml`, `text/xml` and every `+xml` type (RFC 7303). */
export function isXml(mediaType: string): boolean {
  return mediaType === "application/xml" || mediaType === "text/xml" || mediaType.endsWith("+xml");
}

// Encodings in which "<!DOCTYPE" is visible to the byte scan below (ASCII-compatible ones, and
// UTF-16/32 once their NULs are dropped). A parser honouring any other declared encoding
// (UTF-7's "+ADw-!DOCTYPE", EBCDIC) would read a declaration the scan cannot see.
const VISIBLE_ENCODING =
  /^(utf-?8|utf-?16(le|be)?|utf-?32(le|be)?|us-ascii|ascii|iso-8859-\d{1,2}|latin-?1|windows-125\d)$/i;
const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']/;

/**
 * XML bodies without DOCTYPE or ENTITY declarations (PROC-04, PROC-05): no declaration means
 * no external entity (XXE) and no entity expansion (billion laughs), whatever parser the
 * upstream uses.
 */
export const xmlBodyPolicy: GuardPolicy = {
  id: "xml-no-doctype",
  options: xmlBodyOptions,
  items: ["PROC-04", "PROC-05"],
  title: "XML request bodies with a DOCTYPE or entity declaration are refused",
  create(route) {
    if (route.policies.xml.allowDoctype || !route.accepts.some(isXml)) return undefined;
    const refused = rejection(
      xmlBodyPolicy,
      400,
      "Bad Request",
      "XML documents may not contain a DOCTYPE or entity declarations.",
    );
    const unreadable = rejection(
      xmlBodyPolicy,
      400,
      "Bad Request",
      "XML documents must be in UTF-8, UTF-16 or another ASCII-compatible encoding.",
    );
    return {
      wantsRequestBody: (ctx) => isXml(ctx.contentType),
      onRequestBody(body) {
        // UTF-16 and other wide encodings put NULs between the characters: drop them so the
        // declaration cannot hide (a parser would still read it).
        const text = body.toString("latin1").replace(/\0/g, "");
        if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) return refused;
        // A document starts with markup (after a BOM and blanks): anything else is an encoding
        // the scan cannot read (EBCDIC's "<" is 0x4C), as is a declared one it does not know.
        const start = text.replace(/^(\xef\xbb\xbf|\xfe\xff|\xff\xfe)?[ \t\r\n]*/, "");
        if (start !== "" && start[0] !== "<") return unreadable;
        const declared = DECLARED_ENCODING.exec(start)?.[1];
        return declared === undefined || VISIBLE_ENCODING.test(declared) ? undefined : unreadable;
      },
    };
  },
};
