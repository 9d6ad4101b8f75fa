import type { AuditRule } from "../rule.js";

const RATE_LIMIT_HEADER = /^(?:x-)?rate-?limit|^retry-after$/i;

/**
 * ACC-01: a design that documents neither 429 responses nor rate-limit headers gives clients no
 * contract for throttling, and usually means there is none.
 */
export const noRateLimit: AuditRule = {
  id: "no-rate-limit",
  items: ["ACC-01"],
  severity: "low",
  title: "No rate limiting documented",
  tags: ["access", "availability"],
  looksFor:
    "A document where no operation declares a 429 response or a rate-limit header (RateLimit, X-RateLimit-*, Retry-After): one finding for the whole API.",
  example:
    'paths:\n  /login:\n    post:\n      responses:\n        "200": { description: token }   # no 429 anywhere in the document',
  fix: "Document 429 Too Many Requests (RFC 6585) with Retry-After and RateLimit headers on the operations you throttle.",
  run({ operations }) {
    if (operations.length === 0) return [];
    const documented = operations.some((op) =>
      Object.entries(op.responses).some(
        ([status, r]) => status === "429" || r.headers.some((h) => RATE_LIMIT_HEADER.test(h)),
      ),
    );
    if (documented) return [];
    return [
      {
        pointer: "/paths",
        detail: `None of the ${operations.length} operations documents a 429 response or a rate-limit header.`,
        evidence: `${operations.length} operations, no 429 response, no RateLimit / X-RateLimit / Retry-After header`,
      },
    ];
  },
};
