import type { Catalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import type { CheckCoverage, Finding, ItemResult, Verdict } from "./finding.js";
import { computeScore, type Grade, type Score } from "./score.js";
import { atLeast, type Severity } from "./severity.js";

/** How one check or rule ended; a check that throws is reported here, never as a crash. */
export interface CheckRun {
  readonly id: string;
  readonly status: "ran" | "not_tested" | "not_applicable" | "error";
  /** Why it did not run, or the error message (one line, redacted). */
  readonly reason?: string;
  /** Scan: requests this check sent (its share of the budget). */
  readonly requests?: number;
}

/**
 * The versioned document behind every scan and audit format (`--format json` writes it as is).
 * Formatters are pure functions of it.
 */
export interface Report {
  readonly tool: "rampart";
  readonly schemaVersion: 1;
  readonly kind: "scan" | "audit";
  /** The scanned URL, or the audited file. */
  readonly target: string;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Requests sent (scan only). */
  readonly requests?: number;
  readonly score: number;
  readonly grade: Grade;
  readonly items: readonly ItemResult[];
  readonly findings: readonly Finding[];
  readonly checks: readonly CheckRun[];
  /** Scan: how much of the checklist the scan could decide, and why it stopped short. */
  readonly coverage?: ScanCoverage;
  /** Scan: how it authenticated, in words (the login found or run, where the token was). */
  readonly authentication?: string;
  /**
   * Scan: what it decided about its input or went past, one line each (where the document's
   * operations were taken to be, broken parts of the document skipped). Audit: the findings of
   * each document when several were audited, and what a display filter left out.
   */
  readonly notes?: readonly string[];
  /**
   * Findings that an `ignore:` entry or an inline `x-rampart-ignore` accepted, with the reason:
   * kept out of the items, the score and the exit code, but listed (SARIF writes them as
   * suppressed results).
   */
  readonly suppressed?: readonly SuppressedFinding[];
  /** Present when compared with an earlier report (`--baseline`). */
  readonly baseline?: BaselineSummary;
}

/** A finding accepted with a reason, and where the acceptance was written. */
export interface SuppressedFinding {
  readonly finding: Finding;
  readonly reason: string;
  /** `config`: an `ignore:` entry of rampart.yaml; `inline`: `x-rampart-ignore` in the document. */
  readonly source: "config" | "inline";
}

/** Scan: how many items the scan decided, and what stopped it short. */
export interface ScanCoverage {
  /** Items the scan can verify at all (capability `scan`, not `not_applicable`). */
  readonly testable: number;
  /** Of those: decided as pass, fail or warn. */
  readonly decided: number;
  readonly partial: number;
  readonly notTested: number;
  /** Items whose checks the budget or a lost target cut short (charged in the grade). */
  readonly cutShort: number;
  /** Set when the target stopped answering during the scan. */
  readonly targetLost?: string;
  /** Set when the request budget ran out before every check finished. */
  readonly budgetSpent?: boolean;
}

/** How a report compares with an earlier one of the same kind. */
export interface BaselineSummary {
  /** The baseline report file as given. */
  readonly file: string;
  readonly new: number;
  readonly unchanged: number;
  /** Findings of the baseline that are gone now. */
  readonly fixed: readonly Finding[];
}

/** What an engine knows about one item once its checks have run. */
export interface ItemOutcome {
  /** The item's decisive checks ran (on the whole surface, unless `partial` says otherwise). */
  readonly ran: boolean;
  /** When no check ran: why (shown as the item's reason). */
  readonly reason?: string;
  /** The item does not apply to this target (e.g. no XML operation): with the reason. */
  readonly notApplicable?: boolean;
  /** Decisive checks ran on part of the surface only: what was and was not covered. */
  readonly partial?: string;
  /** Every check of the item with what it covered (scan). */
  readonly coverage?: readonly CheckCoverage[];
  /** The budget or a lost target stopped the item's checks before they finished. */
  readonly cutShort?: boolean;
  /** The worst severity the item's checks can report. */
  readonly worstPossible?: Severity;
}

/**
 * Turns findings and check outcomes into one {@link ItemResult} per catalog item (an audit
 * lists each finding under its primary item only, and names it as related on the others):
 * - `fail`: a finding at `low` or above; `warn`: only `info` findings;
 * - `pass`: the decisive checks ran on the whole surface and found nothing; `partial`: they ran
 *   on part of it; `not_applicable` / `not_tested`: with the reason;
 * - items this kind of engine cannot verify: `manual` when they are manual, else `not_applicable`.
 *
 * @example
 * ```ts
 * const items = summariseItems(catalog, "scan", findings, outcomes);
 * ```
 */
export function summariseItems(
  catalog: Catalog,
  kind: "scan" | "audit",
  findings: readonly Finding[],
  outcomes: ReadonlyMap<ItemId, ItemOutcome>,
): ItemResult[] {
  return catalog.items.map((item): ItemResult => {
    // Audit: a finding is listed once, under its primary item; scan lists it under each item.
    const primary = kind === "audit" ? findings.filter((f) => f.items[0] === item.id) : [];
    const own = findings.filter((f) => f.items.includes(item.id));
    const ids = (kind === "audit" ? primary : own).map((f) => f.id);
    const related = kind === "audit" ? own.filter((f) => f.items[0] !== item.id) : [];
    const outcome = outcomes.get(item.id);
    const extra = {
      ...(related.length > 0 ? { related: related.map((f) => f.id) } : {}),
      ...(outcome?.coverage ? { coverage: outcome.coverage } : {}),
      ...(outcome?.cutShort ? { cutShort: true } : {}),
      ...(outcome?.worstPossible ? { worstPossible: outcome.worstPossible } : {}),
    };
    if (own.some((f) => atLeast(f.severity, "low")))
      return { id: item.id, verdict: "fail", findings: ids, ...extra };
    if (own.length > 0) return { id: item.id, verdict: "warn", findings: ids, ...extra };
    if (!item.capabilities.includes(kind)) {
      const verdict: Verdict = item.manual ? "manual" : "not_applicable";
      return { id: item.id, verdict, reason: `not verifiable by ${kind}`, findings: [] };
    }
    if (outcome?.notApplicable) {
      return {
        id: item.id,
        verdict: "not_applicable",
        reason: outcome.reason ?? "does not apply",
        findings: [],
        ...extra,
      };
    }
    if (outcome?.ran && outcome.partial !== undefined)
      return { id: item.id, verdict: "partial", reason: outcome.partial, findings: [], ...extra };
    if (outcome?.ran) return { id: item.id, verdict: "pass", findings: [], ...extra };
    return {
      id: item.id,
      verdict: "not_tested",
      reason: outcome?.reason ?? "no check ran",
      findings: [],
      ...extra,
    };
  });
}

/**
 * Assembles a report: item results, then score and grade from them (or the given `scored`: the
 * audit's own model, src/audit/score.ts).
 *
 * @example
 * ```ts
 * const report = buildReport({ kind: "scan", target, startedAt, durationMs, requests, findings, checks }, catalog, outcomes);
 * ```
 */
export function buildReport(
  input: Omit<Report, "tool" | "schemaVersion" | "score" | "grade" | "items" | "coverage">,
  catalog: Catalog,
  outcomes: ReadonlyMap<ItemId, ItemOutcome>,
  stops?: { readonly targetLost?: string; readonly budgetSpent?: boolean },
  scored?: Score,
): Report {
  const items = summariseItems(catalog, input.kind, input.findings, outcomes);
  const { score, grade } = scored ?? computeScore(items, input.findings);
  const coverage = input.kind === "scan" ? scanCoverage(items, stops ?? {}) : undefined;
  return {
    tool: "rampart",
    schemaVersion: 1,
    ...input,
    score,
    grade,
    items,
    ...(coverage ? { coverage } : {}),
  };
}

function scanCoverage(
  items: readonly ItemResult[],
  stops: { readonly targetLost?: string; readonly budgetSpent?: boolean },
): ScanCoverage {
  const testable = items.filter((i) => i.verdict !== "manual" && i.verdict !== "not_applicable");
  const count = (verdicts: readonly Verdict[]) =>
    testable.filter((i) => verdicts.includes(i.verdict)).length;
  return {
    testable: testable.length,
    decided: count(["pass", "fail", "warn"]),
    partial: count(["partial"]),
    notTested: count(["not_tested"]),
    cutShort: testable.filter((i) => i.cutShort).length,
    ...(stops.targetLost ? { targetLost: stops.targetLost } : {}),
    ...(stops.budgetSpent ? { budgetSpent: true } : {}),
  };
}

/**
 * The findings that fail a build: at or above `failOn` (never with `none`); compared with a
 * baseline, the new ones only, so that a team adopts Rampart without fixing the past first. The
 * exit code and the JUnit failures both count these.
 *
 * @example
 * ```ts
 * const exitCode = failingFindings(report, "high").length > 0 ? 1 : 0;
 * ```
 */
export function failingFindings(report: Report, failOn: Severity | "none"): Finding[] {
  if (failOn === "none") return [];
  return report.findings.filter(
    (f) => atLeast(f.severity, failOn) && (!report.baseline || f.baseline === "new"),
  );
}
