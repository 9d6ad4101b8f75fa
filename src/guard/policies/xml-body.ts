import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

/** `application/xml`, `text/xml` and every `+xml` type (RFC 7303). */
export function isXml(mediaType: string): boolean {
  return mediaType === "application/xml" || mediaType === "text/xml" || mediaType.endsWith("+xml");
}

/**
 * XML bodies without DOCTYPE or ENTITY declarations (PROC-04, PROC-05): no declaration means
 * no external entity (XXE) and no entity expansion (billion laughs), whatever parser the
 * upstream uses.
 */
export const xmlBodyPolicy: GuardPolicy = {
  id: "xml-no-doctype",
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
    return {
      wantsRequestBody: (ctx) => isXml(ctx.contentType),
      onRequestBody(body) {
        // UTF-16 and other wide encodings put NULs between the characters: drop them so the
        // declaration cannot hide (a parser would still read it).
        const text = body.toString("latin1").replace(/\0/g, "");
        return /<!\s*(DOCTYPE|ENTITY)/i.test(text) ? refused : undefined;
      },
    };
  },
};
