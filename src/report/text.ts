import { createColors } from "picocolors";
import type { Catalog } from "../catalog/catalog.js";
import type { Finding } from "../core/finding.js";
import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import {
  baselineLine,
  coverageLines,
  coverageText,
  durationText,
  locationText,
  printable,
  relatedSummary,
  sectionViews,
  shownEvidence,
  tallyLine,
  targetText,
  VERDICT_LABEL,
} from "./shared.js";

type Colors = ReturnType<typeof createColors>;
type Paint = (text: string) => string;

function severityPaint(c: Colors, severity: Severity): Paint {
  switch (severity) {
    case "critical":
      return (t) => c.bold(c.red(t));
    case "high":
      return c.red;
    case "medium":
      return c.yellow;
    case "low":
      return c.cyan;
    case "info":
      return c.dim;
  }
}

function gradePaint(c: Colors, grade: Report["grade"]): Paint {
  if (grade === "A+" || grade === "A") return c.green;
  if (grade === "B" || grade === "C") return c.yellow;
  return c.red;
}

/**
 * The terminal summary of a scan or audit: header with score and grade, failed and warned items
 * by section with their findings and evidence, not-tested items with reasons, a closing tally.
 * An audit's info findings of one rule within an item are summed up on one line unless `showInfo`
 * is set;
 * an audit names, under an item, the findings listed under their primary item that bear on it.
 * Without `color`, the output has no ANSI escape codes at all.
 *
 * @example
 * ```ts
 * io.stdout.write(formatText(report, { catalog, color: process.stdout.isTTY }));
 * ```
 */
export function formatText(
  report: Report,
  options: { readonly catalog: Catalog; readonly color?: boolean; readonly showInfo?: boolean },
): string {
  const c = createColors(options.color ?? false);
  const lines: string[] = [];
  lines.push(c.bold(`Rampart ${report.kind} of ${printable(targetText(report))}`));
  const facts = [`started ${report.startedAt}`, `took ${durationText(report.durationMs)}`];
  if (report.requests !== undefined) facts.push(`${report.requests} requests`);
  lines.push(`  ${facts.join(" · ")}`);
  lines.push(
    `  ${c.bold(gradePaint(c, report.grade)(`Grade ${report.grade}`))}   score ${c.bold(String(report.score))}/100`,
  );
  for (const line of coverageLines(report))
    lines.push(`  ${line.startsWith("Warning") ? c.yellow(line) : line}`);
  const compared = baselineLine(report);
  if (compared !== undefined) lines.push(`  ${compared}`);

  const sections = sectionViews(report, options.catalog);
  const flagged = sections
    .map((s) => ({
      ...s,
      items: s.items.filter((v) => v.result.verdict === "fail" || v.result.verdict === "warn"),
    }))
    .filter((s) => s.items.length > 0);
  if (flagged.length === 0) {
    lines.push("", c.green("No item failed or warned."));
  }
  const tally = { summed: 0 };
  for (const { section, items } of flagged) {
    lines.push("", c.bold(c.underline(section.title)));
    for (const view of items) {
      const verdict =
        view.result.verdict === "fail" ? c.red(c.bold("FAIL")) : c.yellow(c.bold("WARN"));
      lines.push(`  ${verdict} ${c.bold(view.item.id)} ${view.item.title}`);
      // Scan reports have few info findings and no option to list them: only audits sum them up.
      const showInfo = options.showInfo === true || report.kind !== "audit";
      lines.push(...itemFindingLines(c, view.findings, showInfo, tally));
      lines.push(...relatedLines(c, view.related));
    }
  }
  if (tally.summed > 0)
    lines.push(
      "",
      c.dim(`${tally.summed} info findings summed up per rule; --show-info lists each one.`),
    );

  const partial = sections.flatMap((s) => s.items.filter((v) => v.result.verdict === "partial"));
  if (partial.length > 0) {
    lines.push(
      "",
      c.bold(`Partial: tested on part of the surface, nothing found there (${partial.length})`),
    );
    for (const view of partial) {
      lines.push(`  ${view.item.id.padEnd(8)} ${view.item.title}`);
      for (const entry of view.result.coverage ?? [])
        if (entry.decisive && !entry.complete && entry.status !== "not_applicable")
          lines.push(`           ${c.dim(printable(coverageText(entry)))}`);
    }
  }
  const untested = sections.flatMap((s) =>
    s.items.filter((v) => v.result.verdict === "not_tested"),
  );
  if (untested.length > 0) {
    lines.push("", c.bold(`Not tested (${untested.length})`));
    for (const view of untested) {
      lines.push(
        `  ${view.item.id.padEnd(8)} ${view.item.title}${c.dim(` — ${printable(view.result.reason ?? VERDICT_LABEL.not_tested)}`)}`,
      );
    }
  }
  const errored = report.checks.filter((ch) => ch.status === "error");
  if (errored.length > 0) {
    lines.push("", c.bold(c.red(`Checks that failed to run (${errored.length})`)));
    for (const ch of errored)
      lines.push(`  ${printable(ch.id)}${c.dim(` — ${printable(ch.reason ?? "error")}`)}`);
  }
  lines.push("", tallyLine(report));
  return `${lines.join("\n")}\n`;
}

/** An item's findings: each one above info, then info findings one line per rule (or each). */
function itemFindingLines(
  c: Colors,
  findings: readonly Finding[],
  showInfo: boolean,
  tally: { summed: number },
): string[] {
  const lines: string[] = [];
  const info = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.severity === "info" && !showInfo) {
      info.set(finding.checkId, [...(info.get(finding.checkId) ?? []), finding]);
      continue;
    }
    lines.push(...findingLines(c, finding));
  }
  for (const [rule, group] of info) {
    const first = group[0] as Finding;
    if (group.length === 1) {
      lines.push(...findingLines(c, first));
      continue;
    }
    tally.summed += group.length;
    lines.push(
      `    ${severityPaint(c, "info")("INFO".padEnd(8))} ${printable(first.title)} ${c.dim(`[${rule}]`)} × ${group.length}`,
      `             ${c.dim("first at")} ${printable(locationText(first.location))}`,
    );
  }
  return lines;
}

/** Audit: findings listed under their primary item that bear on this one too, by rule. */
function relatedLines(c: Colors, related: readonly Finding[]): string[] {
  return relatedSummary(related).map((line) => `    ${c.dim("related")}  ${printable(line)}`);
}

function findingLines(c: Colors, finding: Finding): string[] {
  const paint = severityPaint(c, finding.severity);
  const lines = [
    `    ${paint(finding.severity.toUpperCase().padEnd(8))} ${printable(finding.title)} ${c.dim(`[${finding.checkId}]`)}${finding.baseline === "new" ? ` ${c.bold(c.yellow("new"))}` : ""}`,
    `             ${c.dim("at")} ${printable(locationText(finding.location))}`,
  ];
  if (finding.detail && finding.detail !== finding.title) {
    lines.push(`             ${printable(finding.detail)}`);
  }
  const ev = shownEvidence(finding.evidence);
  const pad = "             ";
  if (ev.request !== undefined) lines.push(`${pad}${c.dim(">")} ${printable(ev.request)}`);
  if (ev.status !== undefined) lines.push(`${pad}${c.dim("<")} status ${ev.status}`);
  for (const [name, value] of ev.headers)
    lines.push(`${pad}${c.dim("<")} ${printable(name)}: ${printable(value)}`);
  if (ev.body !== undefined) {
    const body = ev.body.split(/\r?\n/).slice(0, 6);
    for (const line of body) lines.push(`${pad}${c.dim("|")} ${printable(line.slice(0, 160))}`);
  }
  if (ev.note !== undefined) lines.push(`${pad}${c.dim("note:")} ${printable(ev.note)}`);
  return lines;
}
