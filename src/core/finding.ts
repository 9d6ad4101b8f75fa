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
  | { readonly kind: "http"; readonly url: string; readonly method?: string }
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
  /** Unique within one report; stable for the same check, location and subject across runs. */
  readonly id: string;
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

export const VERDICTS = ["pass", "fail", "warn", "not_applicable", "not_tested", "manual"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The outcome for one checklist item in a report. */
export interface ItemResult {
  readonly id: ItemId;
  readonly verdict: Verdict;
  /** Why the item is not tested or not applicable, or a short summary. */
  readonly reason?: string;
  /** Ids of the findings that decided the verdict. */
  readonly findings: readonly string[];
}
