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
 * Without `color`, the output has no ANSI escape codes at all.
 *
 * @example
 * ```ts
 * io.stdout.write(formatText(report, { catalog, color: process.stdout.isTTY }));
 * ```
 */
export function formatText(
  report: Report,
  options: { readonly catalog: Catalog; readonly color?: boolean },
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
  for (const { section, items } of flagged) {
    lines.push("", c.bold(c.underline(section.title)));
    for (const view of items) {
      const verdict =
        view.result.verdict === "fail" ? c.red(c.bold("FAIL")) : c.yellow(c.bold("WARN"));
      lines.push(`  ${verdict} ${c.bold(view.item.id)} ${view.item.title}`);
      for (const finding of view.findings) lines.push(...findingLines(c, finding));
    }
  }

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
