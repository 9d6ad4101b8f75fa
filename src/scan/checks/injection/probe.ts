import type { Finding } from "../../../core/finding.js";
import type { CheckContext, CheckResult, Exchange } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import { isBudgetSpent } from "../parsers/documents.js";
import { baseline, type InjectionPoint } from "./points.js";

/** Statuses that say the input never reached a handler: nothing about injection can be read. */
export const UNREACHED = new Set([401, 403, 404, 405, 407, 413, 415, 429, 503]);

export interface PointProbe {
  /** Points this check probes at most (the rest is reported as not covered). */
  readonly cap: number;
  /** Why there is nothing to probe (not applicable). */
  readonly nothing: string;
  /**
   * Probes one point whose example request answered `base`: a finding (the point stops at its
   * first), or undefined when nothing was found.
   */
  probe(point: InjectionPoint, base: Exchange): Promise<Finding | undefined>;
  /** Skip the example request: the probe compares with controls of its own. */
  readonly noBaseline?: boolean;
}

/**
 * Runs an injection probe over ranked points within the budget: each point's example request
 * first (a point whose example never reaches a handler, 401 / 403 / 404 ..., is not counted as
 * covered), then the probe; a point stops at its first finding. The surface is the points
 * tested out of every point the document declares; the cap, a spent budget and unreached points
 * are named as gaps, so the item can only pass when every input was really tried.
 *
 * @example
 * ```ts
 * return probePoints(context, injectionPoints(context), { cap: 24, nothing: "no input", probe });
 * ```
 */
export async function probePoints(
  context: CheckContext,
  points: readonly InjectionPoint[],
  spec: PointProbe,
): Promise<CheckResult> {
  if (points.length === 0) return nothingOfTheKind(context, spec.nothing);
  const chosen = points.slice(0, spec.cap);
  const findings: Finding[] = [];
  let tested = 0;
  let unreached = 0;
  let budgetAt: number | undefined;
  for (const [index, point] of chosen.entries()) {
    try {
      const base = spec.noBaseline ? undefined : await baseline(context, point);
      if (!spec.noBaseline && (!base || UNREACHED.has(base.status))) {
        unreached++;
        continue;
      }
      tested++;
      const found = await spec.probe(point, base as Exchange);
      if (found) findings.push(found);
    } catch (error) {
      if (!isBudgetSpent(error)) throw error;
      budgetAt = index;
      break;
    }
  }
  if (tested === 0 && findings.length === 0)
    return notTested(
      budgetAt !== undefined
        ? "request budget exhausted (--max-requests) before any input was tried"
        : "no operation answered its example request (401 / 403 / 404 / 429 or no answer)",
    );
  const gaps = [
    ...(points.length > chosen.length
      ? [`${points.length - chosen.length} inputs beyond the first ${chosen.length}`]
      : []),
    ...(unreached > 0 ? [`${unreached} inputs never reached a handler (401 / 403 / 404 ...)`] : []),
    ...(budgetAt !== undefined ? [`budget exhausted after ${budgetAt} of ${chosen.length}`] : []),
    ...undescribed(context),
  ];
  return ran(findings, covered(tested, points.length, "inputs", gaps));
}
