import type { AuditRule, RuleHit } from "../rule.js";

/**
 * OUT-07: undocumented error statuses leave clients guessing and hide how the API fails (and
 * whether it fails safely). Documentation: info, one finding per operation listing what is
 * missing. A `default` response covers them all.
 */
export const missingErrorResponses: AuditRule = {
  id: "missing-error-responses",
  items: ["OUT-07"],
  severity: "info",
  title: "Error responses not documented",
  tags: ["output", "errors", "docs"],
  looksFor:
    "Operations (without a default response) that leave out error statuses that apply to them: 400 when they take input, 401 / 403 when secured or scoped, 404 on a path with an id, 429 and 500.",
  example:
    'paths:\n  /orders:\n    post:\n      responses:\n        "201": { description: created }',
  fix: "Document the error statuses each operation can return, with a problem+json body (RFC 9457).",
  run({ operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      const statuses = Object.keys(op.responses);
      if (statuses.includes("default")) continue;
      const has = (s: string) => statuses.includes(s) || statuses.includes(`${s[0]}XX`);
      const expected: string[] = [];
      const takesInput =
        op.requestBody !== undefined ||
        op.parameters.some((p) => p.in === "query" || p.in === "path");
      if (takesInput) expected.push("400");
      const secured = (op.security ?? []).some((r) => Object.keys(r).length > 0);
      if (secured) expected.push("401");
      const scoped = (op.security ?? []).some((r) => Object.values(r).some((s) => s.length > 0));
      if (scoped) expected.push("403");
      if (op.path.includes("{")) expected.push("404");
      expected.push("429", "500");
      const missing = expected.filter((s) => !has(s));
      if (missing.length === 0) continue;
      hits.push({
        pointer: `${op.pointer}/responses`,
        detail: `${op.method.toUpperCase()} ${op.path} does not document ${missing.join(", ")}.`,
        evidence: `documented: ${statuses.join(", ") || "none"}; missing: ${missing.join(", ")}`,
      });
    }
    return hits;
  },
};
