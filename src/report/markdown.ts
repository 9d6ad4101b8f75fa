import type { Catalog } from "../catalog/catalog.js";
import type { Finding } from "../core/finding.js";
import type { Report } from "../core/report.js";
import {
  baselineLine,
  coverageLines,
  durationText,
  type ItemView,
  locationText,
  printable,
  relatedSummary,
  sectionViews,
  shownEvidence,
  tallyLine,
  targetText,
} from "./shared.js";

/** At most this many findings are listed per item; the rest are counted ("and N more"). */
export const MARKDOWN_FINDINGS_PER_ITEM = 10;

/**
 * Budget for the folded item blocks, well under GitHub's 65,536-character limit for a comment;
 * items that do not fit are counted instead.
 */
export const MARKDOWN_MAX_CHARS = 50_000;

/**
 * The report as a GitHub-flavoured pull-request comment: grade and score in the heading, a table
 * of failed items, one collapsed `<details>` per failed or warned item with its findings, and one
 * line for the items that could not be tested.
 *
 * @example
 * ```ts
 * writeFileSync("rampart-comment.md", formatMarkdown(report, { catalog }));
 * ```
 */
export function formatMarkdown(report: Report, options: { readonly catalog: Catalog }): string {
  const views = sectionViews(report, options.catalog).flatMap((s) => s.items);
  const failed = views.filter((v) => v.result.verdict === "fail");
  const warned = views.filter((v) => v.result.verdict === "warn");
  const untested = views.filter((v) => v.result.verdict === "not_tested");
  const out: string[] = [];
  out.push(`## Rampart ${report.kind}: grade ${report.grade} (${report.score}/100)`, "");
  const facts = [code(targetText(report)), durationText(report.durationMs)];
  if (report.requests !== undefined) facts.push(`${report.requests} requests`);
  out.push(`${facts.join(" · ")}  `, tallyLine(report), "");
  for (const line of coverageLines(report))
    out.push(line.startsWith("Warning") ? `**${line}**` : line, "");
  const compared = baselineLine(report);
  if (compared !== undefined) out.push(`**${compared}**`, "");

  if (failed.length === 0) {
    out.push(
      warned.length === 0
        ? "No checklist item failed."
        : "No checklist item failed; some warned (below).",
      "",
    );
  } else {
    out.push("| Item | Title | Worst | Findings |", "| --- | --- | --- | ---: |");
    for (const v of failed) {
      out.push(
        `| ${v.item.id} | ${text(v.item.title)} | ${v.worst ?? "n/a"} | ${v.findings.length} |`,
      );
    }
    out.push("");
  }
  const blocks = [...failed, ...warned].map((v) => itemDetails(v).join("\n"));
  let used = out.join("\n").length;
  for (const [i, block] of blocks.entries()) {
    if (used + block.length > MARKDOWN_MAX_CHARS) {
      out.push(`… and ${blocks.length - i} more items: see the full report.`, "");
      break;
    }
    out.push(block, "");
    used += block.length + 1;
  }
  if (untested.length > 0) {
    // Grouped by reason: most items share one ("no check ran"), and a PR comment must stay short.
    const byReason = new Map<string, string[]>();
    for (const v of untested) {
      const reason = v.result.reason ?? "not tested";
      byReason.set(reason, [...(byReason.get(reason) ?? []), v.item.id]);
    }
    const groups = [...byReason].map(([reason, ids]) => `${text(reason)}: ${ids.join(", ")}`);
    out.push(`**Not tested (${untested.length}):** ${groups.join("; ")}`, "");
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n")}`.trimEnd().concat("\n");
}

function itemDetails(view: ItemView): string[] {
  const label = view.result.verdict === "fail" ? "fail" : "warn";
  const n = view.findings.length;
  const out = [
    "<details>",
    `<summary><b>${view.item.id}</b> ${text(view.item.title)} (${label}, ${n} finding${n === 1 ? "" : "s"})</summary>`,
    "",
  ];
  for (const f of view.findings.slice(0, MARKDOWN_FINDINGS_PER_ITEM)) out.push(...findingLines(f));
  if (n > MARKDOWN_FINDINGS_PER_ITEM) out.push(`- … and ${n - MARKDOWN_FINDINGS_PER_ITEM} more`);
  for (const line of relatedSummary(view.related)) out.push(`- related: ${text(line)}`);
  out.push("", `**Fix:** ${text(view.item.remediation)}`, "", "</details>");
  return out;
}

function findingLines(finding: Finding): string[] {
  const ev = shownEvidence(finding.evidence);
  const lines = [
    `- **${finding.severity}** ${text(finding.title)}: ${code(locationText(finding.location))} (${code(finding.checkId)})`,
  ];
  const facts: string[] = [];
  if (ev.request !== undefined) facts.push(code(ev.request));
  if (ev.status !== undefined) facts.push(`status ${ev.status}`);
  if (ev.note !== undefined) facts.push(text(ev.note));
  if (facts.length > 0) lines.push(`  ${facts.join(" · ")}`);
  return lines;
}

/** Text that GitHub must not read as markup or HTML. */
function text(value: string): string {
  return printable(value)
    .replace(/\r?\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#~])/g, "\\$1");
}

/** An inline code span that survives backticks inside the value (never used in table cells). */
function code(value: string): string {
  const flat = printable(value).replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}
