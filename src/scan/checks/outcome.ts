import type { Finding } from "../../core/finding.js";
import type { CheckResult } from "../types.js";

/** The check ran; its findings (possibly none). */
export function ran(findings: readonly Finding[] = []): CheckResult {
  return { findings, outcome: { status: "ran" } };
}

/** The check could not run, with the reason. */
export function notTested(reason: string, findings: readonly Finding[] = []): CheckResult {
  return { findings, outcome: { status: "not_tested", reason } };
}

/** The check does not apply to this target, with the reason. */
export function notApplicable(reason: string): CheckResult {
  return { findings: [], outcome: { status: "not_applicable", reason } };
}
