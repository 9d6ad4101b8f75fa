import type { Catalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import type { Finding, ItemResult, Verdict } from "./finding.js";
import { computeScore, type Grade } from "./score.js";
import { atLeast } from "./severity.js";

/** How one check or rule ended; a check that throws is reported here, never as a crash. */
export interface CheckRun {
  readonly id: string;
  readonly status: "ran" | "not_tested" | "not_applicable" | "error";
  /** Why it did not run, or the error message (one line, redacted). */
  readonly reason?: string;
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
  /** Present when compared with an earlier report (`--baseline`). */
  readonly baseline?: BaselineSummary;
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
  /** At least one check covering the item ran to completion. */
  readonly ran: boolean;
  /** When no check ran: why (shown as the item's reason). */
  readonly reason?: string;
  /** The item does not apply to this target (e.g. no XML operation): with the reason. */
  readonly notApplicable?: boolean;
}

/**
 * Turns findings and check outcomes into one {@link ItemResult} per catalog item:
 * - `fail`: a finding at `low` or above; `warn`: only `info` findings;
 * - `pass`: a check ran and found nothing; `not_applicable` / `not_tested`: with the reason;
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
    const own = findings.filter((f) => f.items.includes(item.id));
    const ids = own.map((f) => f.id);
    if (own.some((f) => atLeast(f.severity, "low")))
      return { id: item.id, verdict: "fail", findings: ids };
    if (own.length > 0) return { id: item.id, verdict: "warn", findings: ids };
    const outcome = outcomes.get(item.id);
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
      };
    }
    if (outcome?.ran) return { id: item.id, verdict: "pass", findings: [] };
    return {
      id: item.id,
      verdict: "not_tested",
      reason: outcome?.reason ?? "no check ran",
      findings: [],
    };
  });
}

/**
 * Assembles a report: item results, then score and grade from them.
 *
 * @example
 * ```ts
 * const report = buildReport({ kind: "scan", target, startedAt, durationMs, requests, findings, checks }, catalog, outcomes);
 * ```
 */
export function buildReport(
  input: Omit<Report, "tool" | "schemaVersion" | "score" | "grade" | "items">,
  catalog: Catalog,
  outcomes: ReadonlyMap<ItemId, ItemOutcome>,
): Report {
  const items = summariseItems(catalog, input.kind, input.findings, outcomes);
  const { score, grade } = computeScore(items, input.findings);
  return { tool: "rampart", schemaVersion: 1, ...input, score, grade, items };
}
