import type { ItemId } from "../../../catalog/ids.js";
import type { Severity } from "../../../core/severity.js";
import { isJsonResponse } from "../../discovery.js";
import type { Exchange, ExchangeMeta, ScanCheck } from "../../types.js";
import { passiveCheck } from "../passive-check.js";

interface HeaderRule {
  readonly id: string;
  readonly item: ItemId;
  readonly title: string;
  /** Headers to show in evidence. */
  readonly headers: readonly string[];
  /** Undefined when the response is fine, else what is wrong with it. */
  readonly problem: (e: Exchange) => string | undefined;
  /** A lesser severity where the header matters less (answers no browser renders), with why. */
  readonly lesser?: (
    e: Exchange,
  ) => { readonly severity: Severity; readonly why: string } | undefined;
}

/**
 * The API's own answers: documented operations (any status but 5xx pages of a proxy) and JSON
 * bodies anywhere. Never the 404 page of a static host in front of it.
 */
export function isApiAnswer(e: Exchange, meta: ExchangeMeta): boolean {
  if (e.status === 204 || e.status === 304 || e.status < 200) return false;
  return isJsonResponse(e) || (meta.documented && e.status < 500 && e.status !== 404);
}

/**
 * What the response-header checks judge: the API's answers, and the application's own HTML
 * pages that answered 2xx (a server-rendered app or a browsable API), where framing and sniffing
 * matter most. Error pages of whatever sits in front are left out.
 */
function judgedForHeaders(e: Exchange, meta: ExchangeMeta): boolean {
  // A CORS preflight's answer is read by the browser's CORS machinery, never rendered or framed.
  if (e.method === "OPTIONS" && e.requestHeaders["access-control-request-method"] !== undefined)
    return false;
  if (isApiAnswer(e, meta)) return true;
  return e.status >= 200 && e.status < 300 && /^text\/html/i.test(e.headers["content-type"] ?? "");
}

/**
 * A passive check that one response header is right on every API answer of the scan, whichever
 * check provoked it: one finding per problem, naming the operations that showed it.
 */
function headerCheck(rule: HeaderRule): ScanCheck {
  return passiveCheck({
    id: rule.id,
    items: [rule.item],
    proves: [rule.item],
    severity: "low",
    title: rule.title,
    surface: (op) => op.method === "GET",
    examines: judgedForHeaders,
    summarise: true,
    inspect: (e) => {
      const problem = rule.problem(e);
      if (problem === undefined) return [];
      const lesser = rule.lesser?.(e);
      return [
        {
          // Summarised apart: the answers where the header matters are not hidden among the rest.
          subject: lesser ? `header-${lesser.severity}` : "header",
          finding: {
            title: problem,
            detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status}: ${problem}.${lesser ? ` ${lesser.why}` : ""}`,
            headers: rule.headers,
            ...(lesser ? { severity: lesser.severity } : {}),
          },
        },
      ];
    },
  });
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
  // Clickjacking needs a page the browser renders in the frame: on JSON and other non-HTML
  // answers the header is defence in depth (the checklist still asks for it), so info there.
  lesser: (e) =>
    /^\s*text\/html/i.test(e.headers["content-type"] ?? "")
      ? undefined
      : {
          severity: "info",
          why: "Info only: a non-HTML answer is not a page that can be framed for clickjacking; DENY there is defence in depth.",
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
