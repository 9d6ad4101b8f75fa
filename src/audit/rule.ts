import type { ItemId } from "../catalog/ids.js";
import type { Confidence, Severity } from "../core/severity.js";
import type { LoadedDocument, Operation } from "../openapi/types.js";
import type { Vocabulary } from "../vocabulary/vocabulary.js";

/** What a rule sees: the loaded document and its operations, normalised across versions. */
export interface RuleContext {
  readonly doc: LoadedDocument;
  readonly operations: readonly Operation[];
  /** The words the rules decide with (admin segments, privileged fields, secret names...). */
  readonly vocabulary: Vocabulary;
}

/** One problem a rule reports, before the engine locates, de-duplicates and words it. */
export interface RuleHit {
  /** JSON pointer in the root document of the node the finding is about (`$ref`s are followed). */
  readonly pointer: string;
  /** Overrides the rule's default severity (calibrated per case). */
  readonly severity?: Severity;
  readonly confidence?: Confidence;
  /** One sentence about this case: what is wrong where. */
  readonly detail: string;
  /**
   * What shows the problem, when the node itself would not (a document-level absence): by
   * default the evidence is a short excerpt of the node at `pointer`.
   */
  readonly evidence?: string;
  /** Remediation specific to this case, appended to the catalog item's. */
  readonly fix?: string;
  /** Distinguishes two findings of a rule about the same node (e.g. two properties' names). */
  readonly subject?: string;
}

/**
 * An audit rule: metadata as data, plus one function that returns hits and never throws on
 * purpose (the engine reports a rule that throws as an `error` run, never as a crash).
 *
 * @example
 * ```ts
 * const rule: AuditRule = {
 *   id: "basic-auth-scheme", items: ["AUTH-01"], severity: "high",
 *   title: "HTTP Basic authentication scheme", tags: ["auth"],
 *   looksFor: "An http scheme with scheme basic.", example: "type: http\nscheme: basic",
 *   fix: "Remove the basic scheme.",
 *   run: ({ doc }) => [],
 * };
 * ```
 */
export interface AuditRule {
  /** Stable kebab-case id, never reused. */
  readonly id: string;
  readonly items: readonly ItemId[];
  /** Default severity of its findings. */
  readonly severity: Severity;
  /** Short, specific title of the rule's findings. */
  readonly title: string;
  /**
   * Lower-case words that group rules for `--rules` / `--skip-rules` (e.g. `secrets`, `input`,
   * `authorization`); a rule has one or more.
   */
  readonly tags: readonly string[];
  /** What the rule looks for, in one or two sentences (`rampart rules`). */
  readonly looksFor: string;
  /** A short excerpt of an OpenAPI document (YAML) that the rule reports (`rampart rules ID`). */
  readonly example: string;
  /** Short remediation specific to the rule, appended to the catalog item's. */
  readonly fix: string;
  run(context: RuleContext): readonly RuleHit[];
}
