import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { compareWithBaseline, readBaseline } from "../core/baseline.js";
import { RampartError } from "../core/errors.js";
import { failingFindings, type Report } from "../core/report.js";
import { isSeverity, type Severity } from "../core/severity.js";
import {
  type FormatOptions,
  formatReport,
  REPORT_FORMATS,
  type ReportFormat,
} from "../report/index.js";
import { type CliIO, useColor } from "./io.js";

/** Where one rendering of a report goes: a file, or stdout when `file` is absent. */
export interface ReportOutput {
  readonly format: ReportFormat;
  readonly file?: string;
}

/**
 * `--format F [--output FILE]` and `-o FORMAT=FILE` (repeatable), shared by scan and audit:
 * stdout gets text unless a format is sent there; one plain `--output` pairs with `--format`.
 */
export function parseOutputs(
  format: ReportFormat | undefined,
  outputs: readonly string[],
): ReportOutput[] {
  const result: ReportOutput[] = [];
  let plain: string | undefined;
  for (const spec of outputs) {
    const match = /^([a-z]+)=(.+)$/.exec(spec);
    if (match?.[1] && match[2] && (REPORT_FORMATS as readonly string[]).includes(match[1])) {
      result.push({ format: match[1] as ReportFormat, file: match[2] });
      continue;
    }
    if (plain !== undefined) {
      throw new RampartError(
        "ERR_USAGE",
        `--output given twice without a format (${plain}, ${spec}); use -o FORMAT=FILE`,
      );
    }
    plain = spec;
  }
  if (plain !== undefined) result.push({ format: format ?? "text", file: plain });
  else if (format !== undefined || result.length === 0) result.push({ format: format ?? "text" });
  return result;
}

export function parseFailOn(value: string): Severity | "none" {
  if (value === "none" || isSeverity(value)) return value;
  throw new RampartError(
    "ERR_USAGE",
    `--fail-on must be critical, high, medium, low, info or none (got "${value}")`,
  );
}

/** A severity option such as `--min-severity`: one of the five severities, else a usage error. */
export function parseSeverity(option: string, value: string): Severity {
  if (isSeverity(value)) return value;
  throw new RampartError(
    "ERR_USAGE",
    `${option} must be critical, high, medium, low or info (got "${value}")`,
  );
}

/**
 * Reads `--baseline FILE` up front (a typo fails before a long scan, not after it) and returns
 * what compares a report with it; without the option, the report is returned as it is.
 */
export function baselineOption(
  file: string | undefined,
  kind: Report["kind"],
  io: CliIO,
): (report: Report) => Report {
  if (file === undefined) return (report) => report;
  const baseline = readBaseline(file, kind, resolve(io.cwd, file));
  return (report) => compareWithBaseline(report, baseline, file);
}

/** Renders the report in every requested format, to its file or stdout. */
export function writeReports(
  report: Report,
  outputs: readonly ReportOutput[],
  io: CliIO,
  options: Omit<FormatOptions, "color">,
): void {
  for (const { format, file } of outputs) {
    const text = formatReport(report, format, {
      ...options,
      color: file === undefined && format === "text" && useColor(io),
    });
    if (file === undefined) {
      io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
      continue;
    }
    try {
      writeFileSync(resolve(io.cwd, file), text);
    } catch (error) {
      throw new RampartError("ERR_USAGE", `cannot write ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/**
 * Exit code of scan and audit: 1 when a finding is at or above `--fail-on`, else 0. Compared
 * with a baseline, only new findings count (see {@link failingFindings}).
 */
export function exitCodeFor(report: Report, failOn: Severity | "none"): number {
  return failingFindings(report, failOn).length > 0 ? 1 : 0;
}
