import type { AuditRule, RuleHit } from "../rule.js";

// Work that typically takes longer than a request should wait for.
const HEAVY =
  /(?:^|[^a-z])(?:reports?|exports?|batch|bulk|jobs?|generate|transcode|archive|backup|reindex|recompute|analy[sz]e)(?:[^a-z]|$)/i;

/**
 * PROC-07: long-running work done inside the request holds a worker per call and times out
 * behind proxies; it belongs in a queue, answered with 202 Accepted and a status URL (RFC 9110
 * 15.3.3). Judged from names: low confidence.
 */
export const longRunningSync: AuditRule = {
  id: "long-running-sync",
  items: ["PROC-07"],
  severity: "low",
  title: "Long-running operation answered synchronously",
  tags: ["processing", "availability"],
  looksFor:
    "POST and PUT operations named like heavy work (export, report, import, batch...) that answer 200 or 201 and document no 202 Accepted (low confidence: judged from names).",
  example:
    'paths:\n  /reports/export:\n    post:\n      responses:\n        "200": { description: the whole export }',
  fix: "Queue the work and answer 202 Accepted with a Location to poll (or a callback).",
  run({ operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      if (op.method !== "post" && op.method !== "put") continue;
      const words = `${op.path} ${op.operationId ?? ""}`.replace(/\{[^}]*\}/g, "");
      if (!HEAVY.test(words.replace(/([a-z])([A-Z])/g, "$1 $2"))) continue;
      const statuses = Object.keys(op.responses);
      if (statuses.includes("202") || !statuses.some((s) => s === "200" || s === "201")) continue;
      hits.push({
        pointer: `${op.pointer}/responses`,
        confidence: "low",
        detail: `${op.method.toUpperCase()} ${op.path} looks like heavy work but documents no 202 Accepted.`,
        evidence: `responses: ${statuses.join(", ")}`,
      });
    }
    return hits;
  },
};
