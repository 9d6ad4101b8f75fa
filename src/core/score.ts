import type { Finding, ItemResult } from "./finding.js";
import { type Severity, worstSeverity } from "./severity.js";

/**
 * The scan's scoring model (an audit has its own, src/audit/score.ts), kept small enough to explain
 * in one paragraph (see README, "Score and grade"):
 * start at 100; every item that fails loses the penalty of its worst finding; every item that
 * warns loses {@link WARN_PENALTY}; the score never drops below 0. Items that pass, are not
 * applicable, not tested or manual cost nothing. Penalties count per item, not per finding, so
 * one weakness found on fifty endpoints weighs as much as on one.
 *
 * A scan that stops short cannot flatter: an item whose checks the request budget or a lost
 * target cut short is charged as if it failed at the worst severity its checks can report, so a
 * smaller budget never grades better than a larger one. A `partial` item (its checks covered part
 * of the surface for reasons that do not depend on the budget) costs nothing but rules out A+.
 */
export const SEVERITY_PENALTY: Readonly<Record<Severity, number>> = Object.freeze({
  critical: 25,
  high: 15,
  medium: 8,
  low: 3,
  info: 0,
});

export const WARN_PENALTY = 2;

/** Lowest score for each grade, best first. A+ needs a perfect score and nothing failing or warning. */
export const GRADE_FLOORS = Object.freeze([
  ["A", 90],
  ["B", 80],
  ["C", 70],
  ["D", 60],
  ["F", 0],
] as const);

export type Grade = "A+" | "A" | "B" | "C" | "D" | "F";

export interface Score {
  readonly score: number;
  readonly grade: Grade;
}

/**
 * Computes score and grade from item results and the findings they reference.
 *
 * @example
 * ```ts
 * const { score, grade } = computeScore(report.items, report.findings); // { score: 77, grade: "C" }
 * ```
 */
export function computeScore(items: readonly ItemResult[], findings: readonly Finding[]): Score {
  const byId = new Map(findings.map((f) => [f.id, f]));
  let penalty = 0;
  let blemished = false;
  for (const item of items) {
    if (item.cutShort && item.worstPossible) {
      blemished = true;
      const charged = SEVERITY_PENALTY[item.worstPossible];
      const actual = item.verdict === "fail" ? failPenalty(item, byId) : 0;
      penalty += Math.max(charged, actual, item.verdict === "warn" ? WARN_PENALTY : 0);
    } else if (item.verdict === "fail") {
      blemished = true;
      penalty += failPenalty(item, byId);
    } else if (item.verdict === "warn") {
      blemished = true;
      penalty += WARN_PENALTY;
    } else if (item.verdict === "partial") {
      blemished = true;
    }
  }
  const score = Math.max(0, 100 - penalty);
  return { score, grade: gradeFor(score, blemished) };
}

function failPenalty(item: ItemResult, byId: ReadonlyMap<string, Finding>): number {
  const worst = worstSeverity(
    item.findings.flatMap((id) => {
      const finding = byId.get(id);
      return finding ? [finding.severity] : [];
    }),
  );
  // A fail without a finding is still a fail: charge it as medium rather than nothing.
  return SEVERITY_PENALTY[worst ?? "medium"];
}

export function gradeFor(score: number, blemished: boolean): Grade {
  if (!Number.isFinite(score) || score < 0 || score > 100) {
    throw new TypeError(`score must be within 0..100, got ${score}`);
  }
  if (score === 100 && !blemished) return "A+";
  for (const [grade, floor] of GRADE_FLOORS) if (score >= floor) return grade;
  return "F";
}
