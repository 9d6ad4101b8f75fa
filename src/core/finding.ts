import type { ItemId } from "../catalog/ids.js";
import type { Confidence, Severity } from "./severity.js";

/** What a finding rests on. Every string here has been through {@link redact} before it is stored. */
export interface Evidence {
  /** The request line, e.g. `GET /api/users HTTP/1.1`. */
  readonly request?: string;
  readonly status?: number;
  /** Only the headers that matter to the finding. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A short excerpt of a body. */
  readonly body?: string;
  /** Free-form supporting facts, e.g. `"TLS 1.0 handshake completed"`. */
  readonly note?: string;
}

/** Where a finding is: a live operation (scan) or a node of a document (audit). */
export type Location =
  | {
      readonly kind: "http";
      readonly url: string;
      readonly method?: string;
      /**
       * The operation the URL belongs to, as the API documents it (`GET /api/orders/{id}`), or its
       * path with ids and probe names generalised when no documented operation matches.
       */
      readonly operation?: string;
    }
  | {
      readonly kind: "document";
      readonly file: string;
      readonly pointer: string;
      readonly line?: number;
      readonly column?: number;
    };

export interface References {
  readonly owasp: readonly string[];
  readonly cwe: readonly string[];
  readonly rfc?: readonly string[];
}

/** One observed problem, shared by scan and audit. */
export interface Finding {
  /** Unique within one report, readable: check, method, URL and subject. */
  readonly id: string;
  /**
   * The stable identity across runs (src/core/fingerprint.ts): check, items, operation template
   * and subject, never a server-made id or a probe's random path. Baselines match by it.
   */
  readonly fingerprint: string;
  /** The check or audit rule that produced it. */
  readonly checkId: string;
  readonly items: readonly ItemId[];
  readonly severity: Severity;
  readonly confidence: Confidence;
  readonly title: string;
  readonly detail: string;
  readonly evidence: Evidence;
  readonly location: Location;
  readonly remediation: string;
  readonly references: References;
  /** Set when the report was compared with a baseline (`--baseline`): seen before, or not. */
  readonly baseline?: "new" | "unchanged";
}

export const VERDICTS = [
  "pass",
  "fail",
  "warn",
  "partial",
  "not_applicable",
  "not_tested",
  "manual",
] as const;
/**
 * `pass` only when the item's decisive checks covered the whole surface and found nothing;
 * `partial` when they ran on part of it (the reason says what was left out); `not_tested` when
 * nothing decisive ran.
 */
export type Verdict = (typeof VERDICTS)[number];

/**
 * What one check did for one item, so that a verdict can be audited by a person: whether the
 * check can prove the item (decisive) or only hints at it, how it ended, and what it probed.
 */
export interface CheckCoverage {
  readonly check: string;
  /** The check can prove the item holds; a hint can only find it failing. */
  readonly decisive: boolean;
  readonly status: "ran" | "not_tested" | "not_applicable" | "error";
  /** What the check probed: `probed` of `of` `unit` (e.g. 12 of 40 parameters). */
  readonly probed?: number;
  readonly of?: number;
  readonly unit?: string;
  /** Identities the check acted as (anonymous excluded). */
  readonly identities?: number;
  /** Requests of this check that got no answer (refused, reset, timed out). */
  readonly unanswered?: number;
  /** The check covered its whole surface, every probe answered. */
  readonly complete: boolean;
  /** Whole, this result settles the item alone (an alternative proof, not a part). */
  readonly settles?: boolean;
  /** Why it did not run, or what it left out. */
  readonly note?: string;
  /** What the check measured, beside a pass too (the throttle it met: after how many requests). */
  readonly observed?: string;
}

/** The outcome for one checklist item in a report. */
export interface ItemResult {
  readonly id: ItemId;
  readonly verdict: Verdict;
  /** Why the item is not tested, not applicable or partial, or a short summary. */
  readonly reason?: string;
  /** Ids of the findings that decided the verdict (audit: those whose primary item this is). */
  readonly findings: readonly string[];
  /**
   * Audit: ids of findings whose primary item is another one and that bear on this item too
   * (`unbounded-input` is listed under IN-04, related to EXT-06). They count for the verdict, but
   * a finding is listed and scored once, under its primary item (the first of its `items`).
   */
  readonly related?: readonly string[];
  /** Scan: every check of the item with what it covered. */
  readonly coverage?: readonly CheckCoverage[];
  /**
   * Scan: the request budget ran out or the target stopped answering before the item's checks
   * finished. The grade charges such an item at its worst possible severity (src/core/score.ts).
   */
  readonly cutShort?: boolean;
  /** The worst severity the item's checks can report (what a cut-short item is charged). */
  readonly worstPossible?: Severity;
}
