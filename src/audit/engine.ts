import type { Catalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import type { Finding, Location } from "../core/finding.js";
import { findingFingerprint } from "../core/fingerprint.js";
import { applySuppressions, type IgnoreEntry } from "../core/ignore.js";
import { redact } from "../core/redact.js";
import type { CheckRun, ItemOutcome, SuppressedFinding } from "../core/report.js";
import { listOperations } from "../openapi/operations.js";
import type { LoadedDocument } from "../openapi/types.js";
import { DEFAULT_VOCABULARY, type Vocabulary } from "../vocabulary/vocabulary.js";
import { operationReach } from "./reach.js";
import { AUDIT_RULES } from "./registry.js";
import type { AuditRule, RuleContext, RuleHit } from "./rule.js";
import { excerpt } from "./schemas.js";
import {
  allInlineSuppressions,
  IGNORE_EXTENSION,
  type InlineSuppression,
  suppressionFor,
} from "./suppressions.js";

/** Options of {@link auditDocument}. */
export interface AuditOptions {
  readonly catalog: Catalog;
  /** The rules to run; all registered rules by default. */
  readonly rules?: readonly AuditRule[];
  /** The vocabulary with the config's additions; default: the built-in words. */
  readonly vocabulary?: Vocabulary;
  /** The config file's `ignore:` entries. */
  readonly ignore?: readonly IgnoreEntry[];
  /** Today, for expiring `ignore:` entries. */
  readonly today?: Date;
}

/** What an audit produced, ready for `buildReport` (kind "audit"). */
export interface AuditResult {
  readonly findings: Finding[];
  /** Findings hidden by an inline or config suppression, with the reason given. */
  readonly suppressed: SuppressedFinding[];
  /** Expired `ignore:` entries and similar notices, one line each. */
  readonly warnings: string[];
  readonly checks: CheckRun[];
  readonly outcomes: Map<ItemId, ItemOutcome>;
  /** The operations of the document, and those each finding bears on (for the audit score). */
  readonly reach: {
    readonly operations: number;
    readonly byFinding: ReadonlyMap<string, readonly string[]>;
  };
}

/** The pseudo-rule of inline suppressions that give no reason. */
export const UNJUSTIFIED_SUPPRESSION = Object.freeze({
  id: "suppression-without-reason",
  title: "Suppression without a reason",
});

/**
 * Runs the audit rules on a loaded document: locates every hit (through `$ref`s), merges hits
 * on the same written node (a schema shared by 40 operations is one finding), applies inline
 * `x-rampart-ignore` and config `ignore:` suppressions, and words findings from the catalog.
 * A rule that throws is reported as an `error` run, never as a crash.
 *
 * @example
 * ```ts
 * const doc = await loadOpenApiFile("openapi.yaml");
 * const result = auditDocument(doc, { catalog: loadCatalog() });
 * const report = buildReport({ kind: "audit", target: doc.file, startedAt, durationMs,
 *   findings: result.findings, checks: result.checks }, catalog, result.outcomes);
 * ```
 */
export function auditDocument(doc: LoadedDocument, options: AuditOptions): AuditResult {
  const { catalog } = options;
  const rules = options.rules ?? AUDIT_RULES;
  const context: RuleContext = {
    doc,
    operations: listOperations(doc),
    vocabulary: options.vocabulary ?? DEFAULT_VOCABULARY,
  };
  const checks: CheckRun[] = [];
  const outcomes = new Map<ItemId, ItemOutcome>();
  const byKey = new Map<string, { finding: Finding; places: number }>();
  const hidden = new Set<string>();
  const suppressed: SuppressedFinding[] = [];
  const cache = new Map<string, InlineSuppression[]>();
  const reachOf = operationReach(doc, context.operations);
  const reached = new Map<string, Set<string>>();
  const note = (key: string, pointer: string, written: Location): void => {
    const set = reached.get(key) ?? new Set<string>();
    reached.set(key, set);
    for (const op of reachOf(pointer)) set.add(`${doc.file}#${op}`);
    if (written.kind === "document" && written.file === doc.file && written.pointer !== pointer)
      for (const op of reachOf(written.pointer)) set.add(`${doc.file}#${op}`);
  };

  for (const rule of rules) {
    let hits: readonly RuleHit[];
    try {
      hits = rule.run(context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      checks.push({
        id: rule.id,
        status: "error",
        reason: redact(message.split("\n", 1)[0] ?? ""),
      });
      for (const item of rule.items)
        if (!outcomes.get(item)?.ran) outcomes.set(item, { ran: false, reason: "rule failed" });
      continue;
    }
    checks.push({ id: rule.id, status: "ran" });
    for (const item of rule.items) outcomes.set(item, { ran: true });
    for (const hit of hits) {
      const finding = toFinding(doc, catalog, rule, hit);
      const key = finding.id;
      note(key, hit.pointer, finding.location);
      const known = byKey.get(key);
      if (known) {
        known.places++;
        continue;
      }
      const inline = suppressionFor(doc, hit.pointer, rule.id, cache);
      if (inline?.reason !== undefined) {
        if (!hidden.has(key)) suppressed.push({ finding, reason: inline.reason, source: "inline" });
        hidden.add(key);
        continue;
      }
      byKey.set(key, { finding, places: 1 });
    }
  }

  const findings = [...byKey.values()].map(({ finding, places }) =>
    places > 1
      ? { ...finding, detail: `${finding.detail} (${places} places lead here.)` }
      : finding,
  );
  for (const s of allInlineSuppressions(doc))
    if (s.reason === undefined) findings.push(unjustified(doc, s));

  const configured = applySuppressions(findings, options.ignore ?? [], options.today ?? new Date());
  return {
    findings: configured.kept,
    suppressed: [...suppressed, ...configured.suppressed],
    warnings: configured.warnings,
    checks,
    outcomes,
    reach: {
      operations: context.operations.length,
      byFinding: new Map([...reached].map(([key, ops]) => [key, [...ops]])),
    },
  };
}

function toFinding(doc: LoadedDocument, catalog: Catalog, rule: AuditRule, hit: RuleHit): Finding {
  const at = doc.locate(hit.pointer);
  const location: Location = at
    ? { kind: "document", file: at.file, pointer: at.pointer, line: at.line, column: at.column }
    : { kind: "document", file: doc.file, pointer: hit.pointer };
  const items = rule.items.map((id) => catalog.item(id));
  const first = items[0];
  const references = {
    owasp: [...new Set(items.flatMap((i) => i.references.owasp))],
    cwe: [...new Set(items.flatMap((i) => i.references.cwe))],
    ...(items.some((i) => i.references.rfc)
      ? { rfc: [...new Set(items.flatMap((i) => i.references.rfc ?? []))] }
      : {}),
  };
  const node = doc.resolve(hit.pointer);
  const subject = hit.subject === undefined ? "" : `:${hit.subject}`;
  return {
    id: `${rule.id}:${location.file}#${location.pointer}${subject}`,
    fingerprint: findingFingerprint({
      checkId: rule.id,
      items: rule.items,
      where: `${location.file}#${location.pointer}`,
      ...(hit.subject !== undefined ? { subject: hit.subject } : {}),
    }),
    checkId: rule.id,
    items: rule.items,
    severity: hit.severity ?? rule.severity,
    confidence: hit.confidence ?? "high",
    title: rule.title,
    // The detail is our wording around names from the document; values appear only in evidence.
    detail: hit.detail,
    evidence:
      hit.evidence !== undefined
        ? { note: redact(hit.evidence) }
        : node === undefined
          ? { note: location.pointer }
          : { body: redact(excerpt(node)) },
    location,
    remediation: [first?.remediation, hit.fix ?? rule.fix].filter(Boolean).join(" "),
    references,
  };
}

function unjustified(doc: LoadedDocument, s: InlineSuppression): Finding {
  const at = doc.locate(s.pointer);
  const where = `${at?.file ?? doc.file}#${at?.pointer ?? s.pointer}`;
  return {
    id: `${UNJUSTIFIED_SUPPRESSION.id}:${where}`,
    fingerprint: findingFingerprint({ checkId: UNJUSTIFIED_SUPPRESSION.id, items: [], where }),
    checkId: UNJUSTIFIED_SUPPRESSION.id,
    items: [],
    severity: "info",
    confidence: "high",
    title: UNJUSTIFIED_SUPPRESSION.title,
    detail: `${IGNORE_EXTENSION} of rule "${s.rule}" gives no reason, so it suppresses nothing.`,
    evidence: { body: redact(excerpt(doc.resolve(s.pointer))) },
    location: at
      ? { kind: "document", file: at.file, pointer: at.pointer, line: at.line, column: at.column }
      : { kind: "document", file: doc.file, pointer: s.pointer },
    remediation: `Give the suppression a reason: ${IGNORE_EXTENSION}: [{ rule: ${s.rule}, reason: "why this is accepted" }].`,
    references: { owasp: [], cwe: [] },
  };
}
