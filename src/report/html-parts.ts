import type { Catalog } from "../catalog/catalog.js";
import type { Finding, Verdict } from "../core/finding.js";
import type { Report } from "../core/report.js";
import { SEVERITIES, type Severity } from "../core/severity.js";
import {
  coverageLines,
  coverageText,
  type ItemView,
  locationText,
  printable,
  referenceIds,
  relatedSummary,
  type SectionView,
  sectionViews,
  shownEvidence,
  sortFindings,
  VERDICT_LABEL,
  verdictCounts,
} from "./shared.js";

/**
 * The parts of one report's HTML body: summary, filters, index of findings, the items by section,
 * the items not tested. Every text is escaped with {@link esc}. Each finding is shown in full once
 * (under its first item, with an anchor the index links to), and each check's remediation and
 * references once (under its first finding); later mentions link back.
 */

/** Verdicts in the order the summary and the filters list them. */
export const VERDICT_ORDER: readonly Verdict[] = [
  "fail",
  "warn",
  "partial",
  "pass",
  "not_tested",
  "not_applicable",
  "manual",
];

/**
 * One report's body inside `<div class="rep">` (the scope of its filters); `prefix` keeps the
 * anchors of several reports on one page apart.
 *
 * @example
 * ```ts
 * reportBody(report, catalog, "r0-"); // '<div class="rep"><section class="summary">...'
 * ```
 */
export function reportBody(report: Report, catalog: Catalog, prefix: string): string {
  const views = sectionViews(report, catalog);
  const anchors = new Map(
    sortFindings(report.findings).map((f, i) => [f.id, `${prefix}f${i + 1}`]),
  );
  const verdictOf = new Map(report.items.map((i) => [i.id as string, i.verdict]));
  const state: RenderState = { anchors, shown: new Set(), fixed: new Map(), prefix };
  const tested = views
    .map((s) => ({ ...s, items: s.items.filter((v) => v.result.verdict !== "not_tested") }))
    .filter((s) => s.items.length > 0);
  const untested = views.flatMap((s) => s.items.filter((v) => v.result.verdict === "not_tested"));
  return (
    `<div class="rep">${summary(report)}\n${filters(report, views)}\n` +
    `${index(report, anchors, verdictOf)}\n` +
    tested.map((s) => sectionHtml(s, state)).join("\n") +
    `\n${notTested(untested, prefix)}</div>`
  );
}

interface RenderState {
  /** Finding id -> its anchor. */
  readonly anchors: ReadonlyMap<string, string>;
  /** Findings already shown in full. */
  readonly shown: Set<string>;
  /** Check id -> the anchor of the finding that carries its remediation. */
  readonly fixed: Map<string, string>;
  readonly prefix: string;
}

function summary(report: Report): string {
  const verdicts = verdictCounts(report);
  const severities = new Map<Severity, number>(SEVERITIES.map((s) => [s, 0]));
  for (const f of report.findings)
    severities.set(f.severity, (severities.get(f.severity) ?? 0) + 1);
  const bySeverity = SEVERITIES.map(
    (s) => `<tr><td>${severityBadge(s)}</td><td class="n">${severities.get(s)}</td></tr>`,
  ).join("");
  const byVerdict = VERDICT_ORDER.map(
    (v) => `<tr><td>${badge(v)}</td><td class="n">${verdicts[v]}</td></tr>`,
  ).join("");
  const coverage = coverageLines(report)
    .map(
      (line) =>
        `<p class="${line.startsWith("Warning") ? "warning" : "coverage"}">${esc(line)}</p>`,
    )
    .join("");
  return (
    `<section class="summary"><h2>Summary</h2><div class="tallies">` +
    `<table class="tally severity"><thead><tr><th>Findings by severity</th><th>${report.findings.length}</th></tr></thead><tbody>${bySeverity}</tbody></table>` +
    `<table class="tally verdict"><thead><tr><th>Items by verdict</th><th>${report.items.length}</th></tr></thead><tbody>${byVerdict}</tbody></table>` +
    `</div>${coverage}</section>`
  );
}

function filters(report: Report, views: readonly SectionView[]): string {
  const severities = new Set(report.findings.map((f) => f.severity));
  const verdicts = new Set(report.items.map((i) => i.verdict));
  const box = (cls: string, label: string) =>
    `<label><input type="checkbox" class="${cls}" checked> ${label}</label>`;
  const items = views
    .flatMap((s) => s.items)
    .map((v) => `<option value="${esc(v.item.id)}">${esc(v.item.id)} ${esc(v.item.title)}</option>`)
    .join("");
  return (
    `<form class="filters" aria-label="Filters">` +
    `<fieldset><legend>Severity</legend>${SEVERITIES.filter((s) => severities.has(s))
      .map((s) => box(`fs-${s}`, severityBadge(s)))
      .join("")}</fieldset>` +
    `<fieldset><legend>Verdict</legend>${VERDICT_ORDER.filter((v) => verdicts.has(v))
      .map((v) => box(`fv-${v}`, badge(v)))
      .join("")}</fieldset>` +
    `<label><strong>Item</strong> <select class="fi"><option value="" selected>all items</option>${items}</select></label>` +
    `</form>`
  );
}

function index(
  report: Report,
  anchors: ReadonlyMap<string, string>,
  verdictOf: ReadonlyMap<string, Verdict>,
): string {
  const findings = sortFindings(report.findings);
  if (findings.length === 0)
    return `<section class="index"><h2>Findings</h2><p>No findings.</p></section>`;
  const rows = findings
    .map((f) => {
      const where = locationText(f.location);
      return (
        `<tr class="f-${f.severity}" ${dataAttributes(f.items, verdictOf.get(f.items[0] ?? ""))}>` +
        `<td>${severityBadge(f.severity)}</td><td>${f.items.map((i) => `<code>${esc(i)}</code>`).join(" ")}</td>` +
        `<td><a href="#${esc(anchors.get(f.id) ?? "")}">${esc(f.title)}</a>${f.baseline === "new" ? " <strong>new</strong>" : ""}</td>` +
        `<td><code>${esc(where)}</code></td></tr>`
      );
    })
    .join("\n");
  return (
    `<section class="index"><h2>Findings (${findings.length})</h2><table><thead><tr>` +
    `<th>Severity</th><th>Item</th><th>Finding</th><th>Where</th></tr></thead><tbody>\n${rows}\n</tbody></table></section>`
  );
}

function sectionHtml(view: SectionView, state: RenderState): string {
  return (
    `<section class="section"><h2>${esc(view.section.title)}</h2>\n` +
    view.items.map((item) => itemHtml(item, state)).join("\n") +
    "\n</section>"
  );
}

function itemHtml(view: ItemView, state: RenderState): string {
  const verdict = view.result.verdict;
  const open = verdict === "fail" || verdict === "warn" ? " open" : "";
  const count =
    view.findings.length > 0
      ? ` <span class="count">${view.findings.length} finding${view.findings.length === 1 ? "" : "s"}</span>`
      : "";
  const worst = view.worst ? ` ${severityBadge(view.worst)}` : "";
  const parts: string[] = [];
  if (view.result.reason !== undefined)
    parts.push(`<p class="reason">${esc(view.result.reason)}</p>`);
  parts.push(`<p>${esc(view.item.summary)}</p>`);
  for (const [checkId, findings] of byCheck(view.findings))
    parts.push(checkHtml(checkId, findings, state));
  for (const line of relatedSummary(view.related))
    parts.push(`<p class="reason">Related: ${esc(line)}</p>`);
  const coverage = view.result.coverage ?? [];
  if (coverage.length > 0)
    parts.push(
      `<h4>What was checked</h4><ul class="coverage">${coverage
        .map((c) => `<li class="${c.complete ? "whole" : "short"}">${esc(coverageText(c))}</li>`)
        .join("")}</ul>`,
    );
  if (verdict === "fail" || verdict === "warn") {
    parts.push(`<h4>Remediation</h4><p>${esc(view.item.remediation)}</p>`);
  }
  parts.push(
    `<p class="refs">References: ${esc(referenceIds(view.item.references).join(", "))}</p>`,
  );
  return (
    `<details class="item v-${verdict}" id="${esc(state.prefix + view.item.id)}" ${dataAttributes([view.item.id], verdict)}${open}>` +
    `<summary>${badge(verdict)} <code>${esc(view.item.id)}</code> ${esc(view.item.title)}${worst}${count}</summary>` +
    `<div class="body">${parts.join("\n")}</div></details>`
  );
}

/** The findings of one item grouped by check, checks in the order of their worst finding. */
function byCheck(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.checkId, [...(groups.get(f.checkId) ?? []), f]);
  return groups;
}

/** One check's findings, then its remediation and references, or a link to where they are. */
function checkHtml(checkId: string, findings: readonly Finding[], state: RenderState): string {
  const parts = findings.map((f) => findingHtml(f, state));
  const first = findings[0];
  const fixedAt = state.fixed.get(checkId);
  if (fixedAt !== undefined) {
    parts.push(`<p class="seealso">Fix and references: <a href="#${esc(fixedAt)}">above</a>.</p>`);
  } else if (first) {
    const fixId = `${state.prefix}fix-${state.fixed.size + 1}`;
    state.fixed.set(checkId, fixId);
    const remediations = [...new Set(findings.map((f) => f.remediation).filter((r) => r !== ""))];
    const refs = [...new Set(findings.flatMap((f) => referenceIds(f.references)))];
    if (remediations.length > 0)
      parts.push(
        `<div class="fix" id="${esc(fixId)}">${remediations
          .map((r) => `<p><strong>Fix:</strong> ${esc(r)}</p>`)
          .join("")}</div>`,
      );
    else parts.push(`<span id="${esc(fixId)}"></span>`);
    if (refs.length > 0) parts.push(`<p class="refs">${esc(refs.join(", "))}</p>`);
  }
  return (
    `<div class="check"><h4 class="check-id"><code>${esc(checkId)}</code> ` +
    `${findings.length} finding${findings.length === 1 ? "" : "s"}</h4>${parts.join("")}</div>`
  );
}

function findingHtml(finding: Finding, state: RenderState): string {
  const anchor = state.anchors.get(finding.id) ?? "";
  const head = `${severityBadge(finding.severity)} ${esc(finding.title)}`;
  if (state.shown.has(finding.id)) {
    return `<p class="seealso f-${finding.severity}">${head}: <a href="#${esc(anchor)}">shown above</a></p>`;
  }
  state.shown.add(finding.id);
  const ev = shownEvidence(finding.evidence);
  const rows: string[] = [];
  if (ev.request !== undefined)
    rows.push(`<dt>Request</dt><dd><code>${esc(ev.request)}</code></dd>`);
  if (ev.status !== undefined) rows.push(`<dt>Status</dt><dd>${ev.status}</dd>`);
  if (ev.note !== undefined) rows.push(`<dt>Note</dt><dd>${esc(ev.note)}</dd>`);
  const headers =
    ev.headers.length === 0
      ? ""
      : `<table class="headers"><thead><tr><th>Header</th><th>Value</th></tr></thead><tbody>${ev.headers
          .map(([n, v]) => `<tr><td>${esc(n)}</td><td>${esc(v)}</td></tr>`)
          .join("")}</tbody></table>`;
  const body = ev.body === undefined ? "" : `<pre class="excerpt">${esc(ev.body)}</pre>`;
  return (
    `<div class="finding f-${finding.severity}" id="${esc(anchor)}">` +
    `<h4>${head}</h4>` +
    `<p class="loc"><code>${esc(locationText(finding.location))}</code> · confidence ${esc(finding.confidence)}</p>` +
    (finding.detail ? `<p>${esc(finding.detail)}</p>` : "") +
    (rows.length > 0 ? `<dl class="evidence">${rows.join("")}</dl>` : "") +
    headers +
    body +
    "</div>"
  );
}

function notTested(views: readonly ItemView[], prefix: string): string {
  if (views.length === 0) return "";
  const rows = views
    .map(
      (v) =>
        `<li id="${esc(prefix + v.item.id)}" ${dataAttributes([v.item.id], "not_tested")}>` +
        `<code>${esc(v.item.id)}</code> ${esc(v.item.title)}` +
        (v.result.reason === undefined
          ? ""
          : `: <span class="reason">${esc(v.result.reason)}</span>`) +
        "</li>",
    )
    .join("\n");
  return (
    `<section class="section untested"><h2>Not tested (${views.length})</h2>` +
    `<p class="hint">Items this run could not decide, and why: neither a pass nor a failure.</p><ul>\n${rows}\n</ul></section>`
  );
}

/** The attributes the filters select on: the items something belongs to and their verdict. */
function dataAttributes(items: readonly string[], verdict: Verdict | undefined): string {
  return `data-items="${esc(items.join(" "))}"${verdict ? ` data-verdict="${verdict}"` : ""}`;
}

/** A verdict as a coloured badge. */
export function badge(verdict: Verdict): string {
  return `<span class="badge v-${verdict}">${esc(VERDICT_LABEL[verdict])}</span>`;
}

function severityBadge(severity: Severity): string {
  return `<span class="sev sev-${severity}">${esc(severity)}</span>`;
}

/** Escapes text for both element content and quoted attribute values. */
export function esc(value: string): string {
  return printable(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
