import { REDACTED } from "../../../core/redact.js";
import type { PassiveProblem, ScanCheck } from "../../types.js";
import { passiveCheck } from "../passive-check.js";

/** Cookie names that carry a session or credentials. */
export const SESSION_COOKIE_NAME =
  /sess|^sid$|auth|token|jwt|remember|login|^connect\.sid$|^JSESSIONID$|^PHPSESSID$|^ASP\.NET_SessionId$|^\.AspNetCore\.|^laravel_session$|^csrftoken$|^XSRF-TOKEN$/i;

/** Session-like cookies set by a response, with what they lack, cleared ones left out. */
function sessionCookies(setCookies: readonly string[], https: boolean) {
  const found: { name: string; attributes: string[]; missing: string[] }[] = [];
  for (const cookie of setCookies) {
    const [pair = "", ...attributes] = cookie.split(";").map((s) => s.trim());
    const name = pair.split("=")[0] ?? "";
    const attrs = attributes.map((a) => a.toLowerCase());
    // A cookie being cleared carries nothing worth protecting.
    if (attrs.some((a) => a === "max-age=0" || /^expires=.*19[789]\d/.test(a))) continue;
    if (!SESSION_COOKIE_NAME.test(name)) continue;
    // CSRF tokens are read by scripts on purpose (double-submit): HttpOnly is not asked of them.
    const csrf = /csrf|xsrf/i.test(name);
    const missing = [
      ...(attrs.includes("httponly") || csrf ? [] : ["HttpOnly"]),
      ...(attrs.some((a) => a.startsWith("samesite=")) ? [] : ["SameSite"]),
      ...(https && !attrs.includes("secure") ? ["Secure"] : []),
    ];
    found.push({ name, attributes, missing });
  }
  return found;
}

/**
 * EXT-02: session-like cookies are `HttpOnly` (scripts cannot read them), `SameSite` (not sent
 * on cross-site requests: CSRF) and, on HTTPS, `Secure` (never sent over plain HTTP); RFC 6265
 * section 4.1.2 and RFC 6265bis. Secure is not asked of plain-HTTP responses: browsers drop
 * such cookies there. Every Set-Cookie of the scan is judged, whichever check provoked it.
 */
export const cookieFlagsCheck: ScanCheck = passiveCheck({
  id: "ext-02-cookie-flags",
  items: ["EXT-02"],
  proves: ["EXT-02"],
  severity: "medium",
  title: "Secure, HttpOnly and SameSite on session cookies",
  examines: (e) => sessionCookies(e.setCookies, e.url.startsWith("https:")).length > 0,
  // Any operation may set a cookie: each documented one must have answered at least once.
  seenWhen: "answered",
  surface: (op) => op.method === "GET",
  // Logged in and never given a session cookie: the API does not use them.
  absentMeans: (context) =>
    context.target.observed.some((o) => o.source === "login")
      ? "the scan logged in and no response set a session cookie"
      : undefined,
  inspect: (e) =>
    sessionCookies(e.setCookies, e.url.startsWith("https:"))
      .filter((c) => c.missing.length > 0)
      .map(
        ({ name, attributes, missing }): PassiveProblem => ({
          subject: name,
          finding: {
            severity: missing.includes("HttpOnly") || missing.includes("Secure") ? "medium" : "low",
            title: `Session cookie "${name}" without ${missing.join(", ")}`,
            detail:
              `Set-Cookie: ${name}=${REDACTED}; ${attributes.join("; ")} lacks ${missing.join(", ")}: ${missing.includes("HttpOnly") ? "scripts (XSS) can steal it; " : ""}${missing.includes("SameSite") ? "browsers send it on cross-site requests (CSRF); " : ""}${missing.includes("Secure") ? "it is sent over plain HTTP; " : ""}`.replace(
                /; $/,
                ".",
              ),
            headers: ["set-cookie"],
          },
        }),
      ),
});
