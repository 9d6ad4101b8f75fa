import type { Finding } from "../../../core/finding.js";
import { apiResponses } from "../../responses.js";
import type { ScanCheck } from "../../types.js";
import { covered, ran, undescribed } from "../outcome.js";

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
  proves: ["EXT-01"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Strict CORS policy",
  async run(context) {
    const { target } = context;
    // Every readable endpoint the scan knows, up to a cap: a CORS policy is often per route.
    const known = [
      ...new Set([
        ...target.operations.filter((o) => o.method === "GET").map((o) => o.url),
        ...apiResponses(target).map((e) => e.url),
      ]),
    ];
    const urls = known.length > 0 ? known.slice(0, MAX_CORS_URLS) : [target.base.href];
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const probes = urls.flatMap((url, i) =>
      (i === 0 ? [PROBE_ORIGIN, "null"] : [PROBE_ORIGIN]).map((origin) => ({ url, origin })),
    );
    const answers = await Promise.all(
      probes.map((p) => context.http.trySend({ url: p.url, headers: { origin: p.origin } })),
    );
    for (const [i, e] of answers.entries()) {
      const origin = probes[i]?.origin ?? PROBE_ORIGIN;
      if (!e) continue;
      const allow = e.headers["access-control-allow-origin"];
      const credentials = /^\s*true\s*$/i.test(e.headers["access-control-allow-credentials"] ?? "");
      const headers = ["access-control-allow-origin", "access-control-allow-credentials", "vary"];
      const request = `GET ${new URL(e.url).pathname} HTTP/1.1 (Origin: ${origin})`;
      if (allow === origin) {
        const kind = origin === "null" ? "null" : "reflected";
        if (seen.has(kind)) continue;
        seen.add(kind);
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
        if (seen.has("wildcard")) continue;
        seen.add("wildcard");
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
    const gaps = [
      ...(known.length > urls.length
        ? [`${known.length - urls.length} endpoints beyond the cap`]
        : []),
      ...undescribed(context),
    ];
    return ran(findings, covered(urls.length, Math.max(known.length, 1), "endpoints", gaps));
  },
};

/** Endpoints asked with a foreign Origin at most. */
export const MAX_CORS_URLS = 40;
