import type { ItemId } from "../../../catalog/ids.js";
import { apiResponses } from "../../responses.js";
import type { Exchange, ScanCheck } from "../../types.js";
import { ran } from "../outcome.js";

interface HeaderRule {
  readonly id: string;
  readonly item: ItemId;
  readonly title: string;
  /** Headers to show in evidence. */
  readonly headers: readonly string[];
  /** Undefined when the response is fine, else what is wrong with it. */
  readonly problem: (e: Exchange) => string | undefined;
}

/**
 * A check that one response header is right on every API response (never on 404 pages of a
 * static host: only operations of the document and discovered JSON endpoints are judged).
 */
function headerCheck(rule: HeaderRule): ScanCheck {
  return {
    id: rule.id,
    items: [rule.item],
    severity: "low",
    intrusive: false,
    needs: ["api-responses"],
    title: rule.title,
    async run(context) {
      const responses = apiResponses(context.target);
      const bad = responses.filter((e) => rule.problem(e) !== undefined);
      const first = bad[0];
      if (!first) return ran();
      return ran([
        context.finding({
          title: rule.problem(first) ?? rule.title,
          detail: `${bad.length} of ${responses.length} API responses: ${rule.problem(first)}.`,
          exchange: first,
          headers: rule.headers,
          subject: "header",
        }),
      ]);
    },
  };
}

/** OUT-01: X-Content-Type-Options: nosniff stops browsers from sniffing JSON into HTML. */
export const nosniffCheck = headerCheck({
  id: "out-01-nosniff",
  item: "OUT-01",
  title: "X-Content-Type-Options: nosniff",
  headers: ["x-content-type-options", "content-type"],
  problem: (e) =>
    /^\s*nosniff\s*$/i.test(e.headers["x-content-type-options"] ?? "")
      ? undefined
      : "X-Content-Type-Options: nosniff missing",
});

/** OUT-02: the API cannot be framed (X-Frame-Options: DENY, or CSP frame-ancestors). */
export const frameOptionsCheck = headerCheck({
  id: "out-02-frame-options",
  item: "OUT-02",
  title: "X-Frame-Options: DENY",
  headers: ["x-frame-options", "content-security-policy"],
  problem: (e) => {
    const xfo = e.headers["x-frame-options"] ?? "";
    const csp = e.headers["content-security-policy"] ?? "";
    if (/^\s*deny\s*$/i.test(xfo) || /frame-ancestors\s+'none'/i.test(csp)) return undefined;
    if (/^\s*sameorigin\s*$/i.test(xfo) || /frame-ancestors\s/i.test(csp)) return undefined;
    return "neither X-Frame-Options: DENY nor CSP frame-ancestors";
  },
});

/** OUT-03: Content-Security-Policy: default-src 'none', so nothing an API returns can run. */
export const cspCheck = headerCheck({
  id: "out-03-csp",
  item: "OUT-03",
  title: "Content-Security-Policy: default-src 'none'",
  headers: ["content-security-policy"],
  problem: (e) => {
    const csp = e.headers["content-security-policy"];
    if (csp === undefined) return "Content-Security-Policy missing";
    return /(^|;)\s*default-src\s+'none'\s*(;|$)/i.test(csp)
      ? undefined
      : "Content-Security-Policy without default-src 'none'";
  },
});
