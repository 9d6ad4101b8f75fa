import type { Finding } from "../../../core/finding.js";
import { REDACTED } from "../../../core/redact.js";
import type { ScanCheck } from "../../types.js";
import { notApplicable, ran } from "../outcome.js";

/** Cookie names that carry a session or credentials. */
export const SESSION_COOKIE_NAME =
  /sess|^sid$|auth|token|jwt|remember|login|^connect\.sid$|^JSESSIONID$|^PHPSESSID$|^ASP\.NET_SessionId$|^\.AspNetCore\./i;

/**
 * EXT-02: session-like cookies are `HttpOnly` (scripts cannot read them), `SameSite` (not sent
 * on cross-site requests: CSRF) and, on HTTPS, `Secure` (never sent over plain HTTP); RFC 6265
 * section 4.1.2 and RFC 6265bis. Secure is not asked of plain-HTTP responses: browsers drop
 * such cookies there.
 */
export const cookieFlagsCheck: ScanCheck = {
  id: "ext-02-cookie-flags",
  items: ["EXT-02"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "Secure, HttpOnly and SameSite on session cookies",
  async run(context) {
    const findings: Finding[] = [];
    let seen = 0;
    for (const { exchange } of context.target.observed) {
      for (const cookie of exchange.setCookies) {
        const [pair = "", ...attributes] = cookie.split(";").map((s) => s.trim());
        const name = pair.split("=")[0] ?? "";
        const attrs = attributes.map((a) => a.toLowerCase());
        // A cookie being cleared carries nothing worth protecting.
        if (attrs.some((a) => a === "max-age=0" || /^expires=.*19[789]\d/.test(a))) continue;
        if (!SESSION_COOKIE_NAME.test(name)) continue;
        seen++;
        const missing = [
          ...(attrs.includes("httponly") ? [] : ["HttpOnly"]),
          ...(attrs.some((a) => a.startsWith("samesite=")) ? [] : ["SameSite"]),
          ...(exchange.url.startsWith("https:") && !attrs.includes("secure") ? ["Secure"] : []),
        ];
        if (missing.length === 0) continue;
        findings.push(
          context.finding({
            severity: missing.includes("HttpOnly") || missing.includes("Secure") ? "medium" : "low",
            title: `Session cookie "${name}" without ${missing.join(", ")}`,
            detail:
              `Set-Cookie: ${name}=${REDACTED}; ${attributes.join("; ")} lacks ${missing.join(", ")}: ${missing.includes("HttpOnly") ? "scripts (XSS) can steal it; " : ""}${missing.includes("SameSite") ? "browsers send it on cross-site requests (CSRF); " : ""}${missing.includes("Secure") ? "it is sent over plain HTTP; " : ""}`.replace(
                /; $/,
                ".",
              ),
            exchange,
            headers: ["set-cookie"],
            subject: name,
          }),
        );
      }
    }
    if (seen === 0) return notApplicable("no response seen set a session cookie");
    return ran(findings);
  },
};
