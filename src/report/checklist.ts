import { createColors } from "picocolors";
import type { ChecklistEntry, ChecklistReport } from "../catalog/checklist.js";

/**
 * Pure formatters of `rampart checklist`: each turns a {@link ChecklistReport} into a string.
 *
 * @example
 * ```ts
 * process.stdout.write(formatChecklistMarkdown(buildChecklist(catalog, coverage, config, new Date())));
 * ```
 */
export function formatChecklistJson(report: ChecklistReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const STATE_LABEL: Record<ChecklistEntry["state"], string> = {
  covered: "covered",
  partial: "partly covered",
  not_covered: "not covered yet",
  manual: "manual",
};

export function formatChecklistText(
  report: ChecklistReport,
  options: { color?: boolean } = {},
): string {
  const c = createColors(options.color ?? false);
  const s = report.summary;
  const lines: string[] = [
    c.bold(
      `Rampart checklist: ${s.items} items (${s.checklistItems} from the API Security Checklist, ${s.extraItems} beyond it)`,
    ),
  ];
  for (const section of report.sections) {
    const entries = report.items.filter((i) => i.section === section.id);
    if (entries.length === 0) continue;
    lines.push("", c.bold(section.title));
    for (const entry of entries) {
      const state =
        entry.state === "covered" ? c.green : entry.state === "not_covered" ? c.yellow : c.cyan;
      lines.push(
        `  ${entry.id.padEnd(8)} ${entry.title}  ${state(`[${STATE_LABEL[entry.state]}]`)}`,
      );
      const parts = entry.capabilities.map(
        (cap) =>
          `${cap}: ${entry.coverage[cap].length > 0 ? entry.coverage[cap].join(", ") : c.dim("nothing yet")}`,
      );
      if (parts.length > 0) lines.push(`           ${parts.join("  |  ")}`);
      if (entry.attestation !== undefined) lines.push(`           ${attestationText(entry, c)}`);
    }
  }
  lines.push("");
  for (const w of report.warnings) lines.push(c.yellow(`warning: ${w.id}: ${w.message}`));
  lines.push(
    `Coverage: ${s.covered} covered, ${s.partial} partly covered, ${s.notCovered} not covered yet; ` +
      `manual items: ${s.attested} of ${s.manual} attested${s.stale > 0 ? ` (${s.stale} stale)` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

function attestationText(entry: ChecklistEntry, c: ReturnType<typeof createColors>): string {
  const a = entry.attestation;
  if (!a) return `manual: ${c.yellow("not attested")} (add it under attest: in rampart.yaml)`;
  const details = [
    a.reviewed ? `reviewed ${a.reviewed}${a.stale ? c.yellow(" (stale)") : ""}` : undefined,
    a.owner ? `owner ${a.owner}` : undefined,
    a.evidence ? `evidence: ${a.evidence}` : undefined,
  ].filter((d) => d !== undefined);
  const status =
    a.status === "done" ? c.green(a.status) : a.status === "not_done" ? c.red(a.status) : a.status;
  return `manual: ${status}${details.length > 0 ? `, ${details.join(", ")}` : ""}`;
}

export function formatChecklistMarkdown(report: ChecklistReport): string {
  const s = report.summary;
  const titles = new Map(report.sections.map((x) => [x.id, x.title]));
  const lines = [
    `${s.items} items: ${s.checklistItems} from the API Security Checklist and ${s.extraItems} beyond it. ` +
      `Coverage: ${s.covered} covered, ${s.partial} partly covered, ${s.notCovered} not covered yet, ` +
      `${s.manual} with a manual part.`,
    "",
    "| Id | Section | Item | Scan | Audit | Guard | Manual |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const e of report.items) {
    const cell = (cap: "scan" | "audit" | "guard") =>
      !e.capabilities.includes(cap)
        ? ""
        : e.coverage[cap].length > 0
          ? e.coverage[cap].map((id) => `\`${id}\``).join(" ")
          : "planned";
    const manual = !e.manual ? "" : e.attestation ? e.attestation.status : "yes";
    lines.push(
      `| ${e.id} | ${escapeCell(titles.get(e.section) ?? e.section)} | ${escapeCell(e.title)} | ${cell("scan")} | ${cell("audit")} | ${cell("guard")} | ${manual} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}
