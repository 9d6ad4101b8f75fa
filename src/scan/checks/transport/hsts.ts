import type { ScanCheck } from "../../types.js";
import { covered, notTested, ran } from "../outcome.js";

/** One year: the minimum hstspreload.org and most guidance accept. */
export const HSTS_MIN_MAX_AGE = 31_536_000;

/**
 * ACC-03: HTTPS responses carry Strict-Transport-Security (RFC 6797) with a max-age of a year or
 * more. Plain-HTTP responses are not judged: clients ignore HSTS there (RFC 6797 section 8.1).
 */
export const hstsCheck: ScanCheck = {
  id: "acc-03-hsts",
  items: ["ACC-03"],
  proves: ["ACC-03"],
  severity: "medium",
  intrusive: false,
  needs: ["https"],
  title: "Strict-Transport-Security with max-age of a year or more",
  async run(context) {
    const responses = context.target.observed
      .map((o) => o.exchange)
      .filter((e) => e.url.startsWith("https:") && e.status < 500);
    if (responses.length === 0) return notTested("no HTTPS response observed");
    const missing = responses.find((e) => e.headers["strict-transport-security"] === undefined);
    if (missing) {
      return ran(
        [
          context.finding({
            title: "Strict-Transport-Security missing",
            detail: `${responses.filter((e) => !e.headers["strict-transport-security"]).length} of ${responses.length} HTTPS responses carry no Strict-Transport-Security header, so a client's first plain-HTTP request can be intercepted (SSL stripping).`,
            exchange: missing,
            headers: ["strict-transport-security", "content-type"],
            subject: "missing",
          }),
        ],
        covered(responses.length, responses.length, "HTTPS responses"),
      );
    }
    const findings = [];
    for (const e of responses) {
      const value = e.headers["strict-transport-security"] ?? "";
      const maxAge = Number(/max-age\s*=\s*"?(\d+)"?/i.exec(value)?.[1] ?? Number.NaN);
      if (Number.isNaN(maxAge) || maxAge < HSTS_MIN_MAX_AGE) {
        findings.push(
          context.finding({
            severity: "low",
            title: "Strict-Transport-Security max-age below one year",
            detail: `Strict-Transport-Security is "${value}"; a max-age under ${HSTS_MIN_MAX_AGE} seconds lets the protection lapse between visits.`,
            exchange: e,
            headers: ["strict-transport-security"],
            subject: "short",
          }),
        );
        break;
      }
    }
    return ran(findings, covered(responses.length, responses.length, "HTTPS responses"));
  },
};
