import type { ScanCheck } from "../../types.js";
import { passiveCheck } from "../passive-check.js";

/**
 * EXT-03: responses to authenticated requests say `Cache-Control: no-store` (RFC 9111 section
 * 5.2.2.5), so no shared or browser cache keeps a copy of one user's data for another. Judged on
 * every successful authenticated answer of the scan that depends on the credentials: the
 * documented operations that require them, and undocumented ones asked with credentials.
 */
export const cacheControlCheck: ScanCheck = passiveCheck({
  id: "ext-03-cache-control",
  items: ["EXT-03"],
  proves: ["EXT-03"],
  severity: "low",
  title: "Cache-Control: no-store on authenticated responses",
  needs: ["auth"],
  examines: (e, meta) =>
    e.status >= 200 &&
    e.status < 300 &&
    e.body !== "" &&
    // The API description is the same for every caller: no user's data to keep out of caches.
    meta.description !== true &&
    // A login's answer holds the credential itself (RFC 6749 section 5.1 asks no-store of it).
    ((meta.authenticated && (meta.secured || !meta.documented)) ||
      meta.issuesCredential === true) &&
    // Data, not the static files a page loads (scripts, styles, images are meant to be cached).
    /json|html|xml|text\/plain/i.test(e.headers["content-type"] ?? ""),
  surface: (op) => op.secured && op.method === "GET",
  summarise: true,
  inspect: (e, meta) =>
    /\bno-store\b/i.test(e.headers["cache-control"] ?? "")
      ? []
      : [
          meta.issuesCredential
            ? {
                subject: "no-store-credential",
                finding: {
                  title: "Answer carrying a credential cacheable",
                  detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status} with the scan's credential in it and without Cache-Control: no-store; a cache may keep the token for the next user (RFC 6749 section 5.1 requires no-store on token answers).`,
                  headers: ["cache-control", "pragma", "expires"],
                },
              }
            : {
                subject: "no-store",
                finding: {
                  title: "Authenticated response cacheable",
                  detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status} to an authenticated request without Cache-Control: no-store; a shared or browser cache may keep one user's data.`,
                  headers: ["cache-control", "pragma", "expires"],
                },
              },
        ],
});
