import type { Finding } from "../core/finding.js";
import { gradeFor, type Score } from "../core/score.js";
import { atLeast, SEVERITIES, type Severity } from "../core/severity.js";

/**
 * The audit's scoring model (docs/audit.md, "Score and grade of an audit"): a large document
 * repeats one design decision on hundreds of operations, so counting findings (or items) only
 * measures size. Instead each rule that reports something at low or above costs once, weighted by
 * its worst severity and by the share of the operations it touches:
 *
 *   cost(rule) = max over severities s it reports of WEIGHT[s] × (1/2 + 1/2 × share(s))
 *   score      = 100 × Π (1 − cost(rule) / 100), rounded
 *
 * `share(s)` is the fraction of the document's operations that its findings at s or worse bear on
 * (the operation they sit in, or that reaches them through `$ref`s); a finding no operation
 * reaches (a server URL, a security scheme, an absence in the whole document) has share 1. Costs
 * multiply rather than add, so the score approaches 0 without reaching it, and one more flawed
 * rule always lowers it. Info findings cost nothing; any finding rules out A+.
 */
export const AUDIT_SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = Object.freeze({
  critical: 40,
  high: 25,
  medium: 12,
  low: 4,
  info: 0,
});

/** What the score needs to know about where findings are. */
export interface AuditReach {
  /** Operations in the audited document(s). */
  readonly operations: number;
  /** The operations a finding bears on (empty or absent: the whole API). */
  readonly of: (finding: Finding) => readonly string[] | undefined;
}

/**
 * Score and grade of an audit under the model above.
 *
 * @example
 * ```ts
 * const { score, grade } = computeAuditScore(result.findings, result.reach);
 * ```
 */
export function computeAuditScore(findings: readonly Finding[], reach: AuditReach): Score {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.checkId, [...(byRule.get(f.checkId) ?? []), f]);
  let kept = 1;
  for (const ruleFindings of byRule.values()) {
    const cost = ruleCost(ruleFindings, reach);
    kept *= 1 - cost / 100;
  }
  const score = Math.round(100 * kept);
  return { score, grade: gradeFor(score, findings.length > 0) };
}

/** The cost of one rule's findings (0 when all are info). */
export function ruleCost(findings: readonly Finding[], reach: AuditReach): number {
  let cost = 0;
  for (const severity of SEVERITIES) {
    const weight = AUDIT_SEVERITY_WEIGHT[severity];
    if (weight === 0) continue;
    const at = findings.filter((f) => atLeast(f.severity, severity));
    if (at.length === 0) continue;
    cost = Math.max(cost, weight * (0.5 + 0.5 * share(at, reach)));
  }
  return cost;
}

function share(findings: readonly Finding[], reach: AuditReach): number {
  if (reach.operations === 0) return 1;
  const touched = new Set<string>();
  for (const f of findings) {
    const ops = reach.of(f);
    if (!ops || ops.length === 0) return 1;
    for (const op of ops) touched.add(op);
  }
  return Math.min(1, touched.size / reach.operations);
}
