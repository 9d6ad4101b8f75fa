import type { Catalog, CatalogItem, Section } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import type {
  CheckCoverage,
  Evidence,
  Finding,
  ItemResult,
  Location,
  Verdict,
} from "../core/finding.js";
import { redact, redactHeaders, redactUrl } from "../core/redact.js";
import type { Report } from "../core/report.js";
import { type Severity, severityRank, worstSeverity } from "../core/severity.js";

/**
 * Helpers shared by the report formatters. Everything here is pure and works on the
 * {@link Report} as built by `buildReport`.
 */

/** Metadata a check or audit rule may declare, to describe it in reports (e.g. SARIF rules). */
export interface CheckInfo {
  readonly id: string;
  readonly items: readonly ItemId[];
  /** A short, specific title of the check. */
  readonly title?: string;
  readonly severity?: Severity;
}

/** One catalog item with its result and its findings, worst first. */
export interface ItemView {
  readonly item: CatalogItem;
  readonly result: ItemResult;
  readonly findings: readonly Finding[];
  /** Audit: findings listed under another (their primary) item that bear on this one too. */
  readonly related: readonly Finding[];
  readonly worst: Severity | undefined;
}

/** The items of one section, in catalog order. */
export interface SectionView {
  readonly section: Section;
  readonly items: readonly ItemView[];
}

export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = Object.freeze({
  pass: "pass",
  fail: "fail",
  warn: "warn",
  partial: "partial",
  not_applicable: "not applicable",
  not_tested: "not tested",
  manual: "manual",
});

/** Findings sorted worst first, then by check id and id, so every format lists them alike. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.checkId.localeCompare(b.checkId) ||
      a.id.localeCompare(b.id),
  );
}

/** Joins each item result of the report with its catalog item and findings, grouped by section. */
export function sectionViews(report: Report, catalog: Catalog): SectionView[] {
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  const views: ItemView[] = report.items.map((result) => {
    const pick = (ids: readonly string[]) =>
      sortFindings(
        ids.flatMap((id) => {
          const f = byId.get(id);
          return f ? [f] : [];
        }),
      );
    const findings = pick(result.findings);
    const related = pick(result.related ?? []);
    return {
      item: catalog.item(result.id),
      result,
      findings,
      related,
      worst: worstSeverity([...findings, ...related].map((f) => f.severity)),
    };
  });
  return catalog.sections
    .map((section) => ({
      section,
      items: views.filter((v) => v.item.section === section.id),
    }))
    .filter((s) => s.items.length > 0);
}

/**
 * Audit: the findings listed under another item that bear on this one, one line per rule.
 *
 * @example
 * ```ts
 * relatedSummary(view.related); // ["3 finding(s) of unbounded-input, listed under IN-04"]
 * ```
 */
export function relatedSummary(related: readonly Finding[]): string[] {
  const byRule = new Map<string, { count: number; primary: string }>();
  for (const f of related) {
    const known = byRule.get(f.checkId);
    byRule.set(f.checkId, { count: (known?.count ?? 0) + 1, primary: f.items[0] ?? "" });
  }
  return [...byRule].map(
    ([rule, { count, primary }]) => `${count} finding(s) of ${rule}, listed under ${primary}`,
  );
}

/** Counts of item verdicts, every verdict present (zero when none). */
export function verdictCounts(report: Report): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    pass: 0,
    fail: 0,
    warn: 0,
    partial: 0,
    not_applicable: 0,
    not_tested: 0,
    manual: 0,
  };
  for (const item of report.items) counts[item.verdict]++;
  return counts;
}

/** e.g. `12 passed, 3 failed, 1 warned, 5 not tested, 4 not applicable, 6 manual`. */
export function tallyLine(report: Report): string {
  const c = verdictCounts(report);
  return (
    `${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.partial} partial, ${c.not_tested} not tested, ` +
    `${c.not_applicable} not applicable, ${c.manual} manual`
  );
}

/**
 * What a scan could decide, in lines: `Coverage: 29 of 45 testable items decided, 8 partial, 8
 * not tested`, then why it stopped short, if it did; then the report's notes (an audit has only
 * those).
 *
 * @example
 * ```ts
 * coverageLines(report); // ["Coverage: 29 of 45 testable items decided, 8 partial, 8 not tested"]
 * ```
 */
export function coverageLines(report: Report): string[] {
  const c = report.coverage;
  if (!c) return (report.notes ?? []).map((note) => `Note: ${note}`);
  const lines = [
    `Coverage: ${c.decided} of ${c.testable} testable items decided, ${c.partial} partial, ${c.notTested} not tested`,
  ];
  if (c.targetLost) lines.push(`Warning: ${c.targetLost}; what it did not answer is not a pass.`);
  if (c.cutShort > 0)
    lines.push(
      `Warning: ${c.cutShort} item${c.cutShort === 1 ? " was" : "s were"} cut short${c.budgetSpent ? " by the request budget (--max-requests)" : ""}; the grade counts ${c.cutShort === 1 ? "it" : "them"} as failing at the worst severity ${c.cutShort === 1 ? "its" : "their"} checks can report.`,
    );
  for (const note of report.notes ?? []) lines.push(`Note: ${note}`);
  return lines;
}

/**
 * One check's share of an item, in words: `in-04-sql-injection: 21 of 38 inputs (6 inputs
 * beyond the first 32)`, with `(hint)` for checks that cannot pass the item.
 */
export function coverageText(entry: CheckCoverage): string {
  const role = entry.decisive ? "" : " (hint)";
  if (entry.status !== "ran")
    return `${entry.check}${role}: ${entry.status.replace("_", " ")}${entry.note ? ` (${entry.note})` : ""}`;
  const extent =
    entry.of !== undefined
      ? `${entry.probed ?? 0} of ${entry.of} ${entry.unit ?? ""}`.trim()
      : "ran";
  const who = entry.identities !== undefined ? `, ${entry.identities} identities` : "";
  return `${entry.check}${role}: ${extent}${who}${entry.complete ? "" : entry.note ? ` (${entry.note})` : " (incomplete)"}`;
}

/** `Baseline last.json: 2 new, 5 unchanged, 1 fixed`, or undefined without a baseline. */
export function baselineLine(report: Report): string | undefined {
  const b = report.baseline;
  if (!b) return undefined;
  return `Baseline ${b.file}: ${b.new} new, ${b.unchanged} unchanged, ${b.fixed.length} fixed`;
}

/** A location on one line: `GET http://host/path` or `openapi.yaml:12:5 #/paths/~1users`. */
export function locationText(location: Location): string {
  if (location.kind === "http") return `${location.method ?? "GET"} ${redactUrl(location.url)}`;
  const position =
    location.line === undefined
      ? ""
      : `:${location.line}${location.column === undefined ? "" : `:${location.column}`}`;
  return `${location.file}${position} ${location.pointer || "#"}`;
}

/** Evidence as it may be shown: redacted again, so a formatter can never leak what an engine missed. */
export interface ShownEvidence {
  readonly request?: string;
  readonly status?: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
  readonly note?: string;
}

/** Longest body excerpt any format shows. */
export const BODY_EXCERPT_MAX = 2000;

export function shownEvidence(evidence: Evidence): ShownEvidence {
  const headers = evidence.headers
    ? Object.entries(redactHeaders(evidence.headers)).sort(([a], [b]) => a.localeCompare(b))
    : [];
  return {
    ...(evidence.request === undefined ? {} : { request: redact(evidence.request) }),
    ...(evidence.status === undefined ? {} : { status: evidence.status }),
    headers,
    ...(evidence.body === undefined ? {} : { body: excerpt(redact(evidence.body)) }),
    ...(evidence.note === undefined ? {} : { note: redact(evidence.note) }),
  };
}

function excerpt(body: string): string {
  return body.length > BODY_EXCERPT_MAX ? `${body.slice(0, BODY_EXCERPT_MAX)}…` : body;
}

/** The references of an item as text ids, e.g. `["API2:2023", "CWE-522", "RFC 6750"]`. */
export function referenceIds(refs: {
  readonly owasp: readonly string[];
  readonly cwe: readonly string[];
  readonly rfc?: readonly string[];
}): string[] {
  return [...refs.owasp, ...refs.cwe, ...(refs.rfc ?? [])];
}

/** Human duration: `850 ms`, `4.2 s`, `3 min 12 s`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * Makes untrusted text safe for a terminal or a text file: control characters (ANSI escape
 * sequences from a hostile server, NUL, bells) become visible `\xNN` escapes; newlines and tabs stay.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => {
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** A finding as plain lines (no colour): severity and title, location, detail, evidence. */
export function findingPlainLines(finding: Finding): string[] {
  const ev = shownEvidence(finding.evidence);
  const lines = [
    `[${finding.severity.toUpperCase()}] ${finding.title} (${finding.checkId})`,
    `  at ${locationText(finding.location)}`,
  ];
  if (finding.detail) lines.push(`  ${finding.detail}`);
  if (ev.request !== undefined) lines.push(`  > ${ev.request}`);
  if (ev.status !== undefined) lines.push(`  < status ${ev.status}`);
  for (const [name, value] of ev.headers) lines.push(`  < ${name}: ${value}`);
  if (ev.body !== undefined) for (const line of ev.body.split(/\r?\n/)) lines.push(`  | ${line}`);
  if (ev.note !== undefined) lines.push(`  note: ${ev.note}`);
  return lines;
}

/** The report's target as shown: a scanned URL loses any userinfo and secret query values. */
export function targetText(report: Report): string {
  return report.kind === "scan" ? redactUrl(report.target) : report.target;
}
