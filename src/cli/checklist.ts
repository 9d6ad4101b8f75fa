import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { AUDIT_RULES } from "../audit/registry.js";
import { loadCatalog } from "../catalog/catalog.js";
import { buildChecklist } from "../catalog/checklist.js";
import { computeCoverage } from "../catalog/coverage.js";
import { loadConfigFile } from "../config.js";
import { RampartError } from "../core/errors.js";
import { GUARD_POLICIES } from "../guard/registry.js";
import {
  formatChecklistJson,
  formatChecklistMarkdown,
  formatChecklistText,
} from "../report/checklist.js";
import { SCAN_CHECKS } from "../scan/registry.js";
import { checkIds } from "./check-ids.js";
import { type CliIO, useColor } from "./io.js";

export interface ChecklistOptions {
  readonly format: "text" | "json" | "markdown";
  readonly config?: string;
  readonly output?: string;
}

/** `rampart checklist`: coverage computed from the registries, attestations from the config. */
export async function checklistCommand(options: ChecklistOptions, io: CliIO): Promise<number> {
  const today = io.now?.() ?? new Date();
  const config =
    options.config === undefined
      ? undefined
      : loadConfigFile(resolve(io.cwd, options.config), today, { checkIds: checkIds() });
  const catalog = loadCatalog();
  const coverage = computeCoverage(catalog, {
    scan: SCAN_CHECKS,
    audit: AUDIT_RULES,
    guard: GUARD_POLICIES,
  });
  const report = buildChecklist(catalog, coverage, config, today);
  const toFile = options.output !== undefined;
  const text =
    options.format === "json"
      ? formatChecklistJson(report)
      : options.format === "markdown"
        ? formatChecklistMarkdown(report)
        : formatChecklistText(report, { color: !toFile && useColor(io) });
  if (options.output !== undefined) {
    const path = resolve(io.cwd, options.output);
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new RampartError(
        "ERR_USAGE",
        `cannot write ${options.output}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    // Warnings still reach the terminal when the report goes to a file.
    for (const w of report.warnings) io.stderr.write(`warning: ${w.id}: ${w.message}\n`);
  } else {
    io.stdout.write(text);
    if (options.format !== "text")
      for (const w of report.warnings) io.stderr.write(`warning: ${w.id}: ${w.message}\n`);
  }
  return 0;
}
