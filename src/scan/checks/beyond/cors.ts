import type { Finding } from "../../../core/finding.js";
import { apiResponses } from "../../responses.js";
import type { ScanCheck } from "../../types.js";
import { ran } from "../outcome.js";

/** A made-up site: no API has a reason to trust it. `.example` is reserved (RFC 2606). */
export const PROBE_ORIGIN = "https://rampart-probe.example";

/**
 * EXT-01: the CORS policy (Fetch standard) trusts only known origins: no arbitrary Origin
 * reflected, no `null` origin trusted (sandboxed frames and file: pages send it), no wildcard
 * with credentials.
 */
export const corsCheck: ScanCheck = {
  id: "ext-01-cors",
  items: ["EXT-01"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Strict CORS policy",
  async run(context) {
    const sample = apiResponses(context.target)[0];
    const url = sample?.url ?? context.target.base.href;
    const findings: Finding[] = [];
    for (const origin of [PROBE_ORIGIN, "null"]) {
      const e = await context.http.trySend({ url, headers: { origin } });
      if (!e) continue;
      const allow = e.headers["access-control-allow-origin"];
      const credentials = /^\s*true\s*$/i.test(e.headers["access-control-allow-credentials"] ?? "");
      const headers = ["access-control-allow-origin", "access-control-allow-credentials", "vary"];
      const request = `GET ${new URL(e.url).pathname} HTTP/1.1 (Origin: ${origin})`;
      if (allow === origin) {
        findings.push(
          context.finding({
            severity: credentials ? "high" : "medium",
            title: origin === "null" ? "CORS trusts the null origin" : "CORS reflects any origin",
            detail: `Origin: ${origin} is answered with Access-Control-Allow-Origin: ${allow}${credentials ? " and credentials allowed: any site can read responses with the victim's cookies or credentials" : ": any site can read the responses"}.`,
            exchange: e,
            headers,
            evidence: { request },
            subject: origin === "null" ? "null" : "reflected",
          }),
        );
      } else if (allow === "*" && credentials && origin !== "null") {
        findings.push(
          context.finding({
            severity: "medium",
            title: "CORS wildcard with credentials",
            detail:
              "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true: browsers refuse it, which tends to get 'fixed' by reflecting the origin.",
            exchange: e,
            headers,
            evidence: { request },
            subject: "wildcard",
          }),
        );
      }
    }
    return ran(findings);
  },
};
