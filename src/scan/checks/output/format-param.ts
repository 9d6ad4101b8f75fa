import type { Finding } from "../../../core/finding.js";
import { parseJson } from "../../discovery.js";
import type { ScanCheck } from "../../types.js";
import { nothingOfTheKind, ran, whole } from "../outcome.js";

/** Query parameters that choose the answer's format (`?format=json`, Rails' and DRF's style). */
const FORMAT_PARAM = /^(?:_?format|fmt|output|response_?format)$/i;
/** The values tried: each names a type the answer must then declare, or refuse. */
const FORMATS = ["html", "xml", "json", "js", "txt"] as const;
const ARTICLE = { json: "a JSON", xml: "an XML" } as const;
/** Operations with a format parameter tried at most. */
const MAX_OPERATIONS = 5;

/** Elements an HTML document or fragment starts with: such a body is (valid) HTML, not XML. */
const HTML_ROOT =
  /^(?:html|head|body|div|span|p|a|ul|ol|li|dl|table|tr|td|h[1-6]|pre|code|script|style|form|img|br|hr|b|i|em|strong|small|section|article|header|footer|main|nav|meta|link|title|input|label|button|svg|iframe|center|font)$/i;

/**
 * What a body is: a JSON document, an XML document (an XML declaration, or one root element
 * that HTML does not have, closed at the end: `<notes>...</notes>`), or something else.
 */
function bodyFormat(body: string): "json" | "xml" | undefined {
  if (parseJson(body) !== undefined) return "json";
  const text = body.trim();
  if (/^<\?xml\b/i.test(text)) return /<html\b/i.test(text.slice(0, 2000)) ? undefined : "xml";
  const root = /^<([A-Za-z_][\w.:-]*)[\s>/]/.exec(text)?.[1];
  if (!root || HTML_ROOT.test(root)) return undefined;
  return text.endsWith(`</${root}>`) || text.endsWith("/>") ? "xml" : undefined;
}

/** Whether a declared media type is that format (`application/json`, `application/hal+json`, `text/xml`). */
function declares(type: string, format: "json" | "xml"): boolean {
  return new RegExp(`^[\\w.+-]+/([\\w.+-]+\\+)?${format}$`).test(type);
}

/**
 * OUT-05, for APIs that choose the answer's format from a query parameter: each format value is
 * asked for, and a JSON or XML document must come back declared as what it is (or be refused).
 * `?format=html` answered with the XML document declared as text/html lets a browser render
 * what the document reflects. A hint: it finds OUT-05 failing, the passive check passes it.
 */
export const formatParamCheck: ScanCheck = {
  id: "out-05-format-param",
  items: ["OUT-05"],
  proves: [],
  severity: "medium",
  intrusive: false,
  needs: ["operations"],
  title: "A format parameter never changes what the body is declared as",
  async run(context) {
    const ops = context.target.operations
      .filter(
        (o) =>
          o.method === "GET" &&
          o.parameters.some((p) => p.in === "query" && FORMAT_PARAM.test(p.name)),
      )
      .slice(0, MAX_OPERATIONS);
    if (ops.length === 0) return nothingOfTheKind(context, "no operation takes a format parameter");
    const findings: Finding[] = [];
    for (const op of ops) {
      const param = op.parameters.find((p) => p.in === "query" && FORMAT_PARAM.test(p.name));
      if (!param) continue;
      for (const format of FORMATS) {
        const url = new URL(op.url);
        url.searchParams.set(param.name, format);
        const exchange = await context.http.trySend({ url: url.href });
        if (!exchange || exchange.status < 200 || exchange.status >= 300) continue;
        const body = bodyFormat(exchange.body);
        const type = exchange.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() ?? "";
        if (!body || declares(type, body)) continue;
        findings.push(
          context.finding({
            title: `${param.name}=${format} serves ${ARTICLE[body]} body as ${type || "nothing"}`,
            detail: `GET ${op.path} with ${param.name}=${format} answered ${exchange.status} with ${ARTICLE[body]} document declared as ${type || "no Content-Type"}: the parameter picks the declared type, not the body, and a browser renders what the document reflects.`,
            exchange,
            headers: ["content-type", "x-content-type-options"],
            body: true,
            evidence: { request: `GET ${url.pathname}${url.search} HTTP/1.1` },
            subject: `${op.path}:${param.name}`,
          }),
        );
        break;
      }
    }
    return ran(findings, whole("operations"));
  },
};
