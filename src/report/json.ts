import type { Report } from "../core/report.js";

/**
 * Key order of the versioned JSON document (DESIGN.md, "The finding model"), per kind of object.
 * Objects are written in this order whatever order an engine built them in; keys not listed
 * (header names, future fields) follow in code-point order, so two runs of the same scan diff
 * cleanly.
 */
interface Shape {
  readonly keys: readonly string[];
  readonly children?: Readonly<Record<string, Shape>>;
}

const LOCATION: Shape = {
  keys: ["kind", "url", "method", "operation", "file", "pointer", "line", "column"],
};
const EVIDENCE: Shape = { keys: ["request", "status", "headers", "body", "note"] };
const FINDING: Shape = {
  keys: [
    "id",
    "fingerprint",
    "checkId",
    "items",
    "severity",
    "confidence",
    "title",
    "detail",
    "evidence",
    "location",
    "remediation",
    "references",
  ],
  children: {
    evidence: EVIDENCE,
    location: LOCATION,
    references: { keys: ["owasp", "cwe", "rfc"] },
  },
};
const REPORT: Shape = {
  keys: [
    "tool",
    "schemaVersion",
    "kind",
    "target",
    "startedAt",
    "durationMs",
    "requests",
    "score",
    "grade",
    "authentication",
    "notes",
    "coverage",
    "items",
    "findings",
    "suppressed",
    "checks",
    "baseline",
  ],
  children: {
    coverage: {
      keys: [
        "testable",
        "decided",
        "partial",
        "notTested",
        "cutShort",
        "targetLost",
        "budgetSpent",
      ],
    },
    items: {
      keys: [
        "id",
        "verdict",
        "reason",
        "findings",
        "related",
        "cutShort",
        "worstPossible",
        "coverage",
      ],
      children: {
        coverage: {
          keys: [
            "check",
            "decisive",
            "status",
            "probed",
            "of",
            "unit",
            "identities",
            "unanswered",
            "complete",
            "settles",
            "note",
            "observed",
          ],
        },
      },
    },
    findings: FINDING,
    suppressed: { keys: ["finding", "reason", "source"], children: { finding: FINDING } },
    checks: { keys: ["id", "status", "reason", "requests"] },
    baseline: { keys: ["file", "new", "unchanged", "fixed"], children: { fixed: FINDING } },
  },
};

function ordered(value: unknown, shape: Shape | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => ordered(v, shape));
  if (value === null || typeof value !== "object") return value;
  const keys = shape?.keys ?? [];
  const rank = (key: string) => {
    const i = keys.indexOf(key);
    return i < 0 ? keys.length : i;
  };
  const out: Record<string, unknown> = {};
  const sorted = Object.keys(value).sort(
    (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const key of sorted) {
    out[key] = ordered((value as Record<string, unknown>)[key], shape?.children?.[key]);
  }
  return out;
}

/**
 * The report as the versioned JSON document, pretty-printed with a stable key order.
 *
 * @example
 * ```ts
 * writeFileSync("rampart.json", formatJson(report));
 * ```
 */
export function formatJson(report: Report): string {
  return `${JSON.stringify(ordered(report, REPORT), null, 2)}\n`;
}
