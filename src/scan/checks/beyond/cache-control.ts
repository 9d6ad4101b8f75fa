import type { ScanCheck } from "../../types.js";
import { notTested, ran } from "../outcome.js";

/**
 * EXT-03: responses to authenticated requests say `Cache-Control: no-store` (RFC 9111 section
 * 5.2.2.5), so no shared or browser cache keeps a copy of one user's data for another.
 */
export const cacheControlCheck: ScanCheck = {
  id: "ext-03-cache-control",
  items: ["EXT-03"],
  severity: "low",
  intrusive: false,
  needs: ["auth"],
  title: "Cache-Control: no-store on authenticated responses",
  async run(context) {
    // Only answers that depend on the credentials: the login, and operations that require them.
    const { operations } = context.target;
    const responses = context.target.observed.filter(
      (o) =>
        o.exchange.status >= 200 &&
        o.exchange.status < 300 &&
        (o.source === "login" ||
          (o.authenticated &&
            o.source === "operation" &&
            operations.some(
              (op) => op.secured && op.url === o.exchange.url && op.method === o.exchange.method,
            ))),
    );
    if (responses.length === 0) return notTested("no successful authenticated response observed");
    const bad = responses.filter(
      (o) => !/\bno-store\b/i.test(o.exchange.headers["cache-control"] ?? ""),
    );
    const first = bad[0];
    if (!first) return ran();
    return ran([
      context.finding({
        title: "Authenticated response cacheable",
        detail: `${bad.length} of ${responses.length} successful authenticated responses lack Cache-Control: no-store (first: ${first.exchange.method} ${new URL(first.exchange.url).pathname}); a shared or browser cache may keep one user's data.`,
        exchange: first.exchange,
        headers: ["cache-control", "pragma", "expires"],
        subject: "no-store",
      }),
    ]);
  },
};
