import type { Catalog } from "../catalog/catalog.js";
import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import { REPORT_FORMATS, type ReportFormat } from "./formats.js";
import { formatGithub } from "./github.js";
import { formatHtml } from "./html.js";
import { formatJson } from "./json.js";
import { formatJunit } from "./junit.js";
import { formatMarkdown } from "./markdown.js";
import { formatSarif } from "./sarif.js";
import type { CheckInfo } from "./shared.js";
import { formatText } from "./text.js";

export { REPORT_FORMATS, type ReportFormat };

export interface FormatOptions {
  /** ANSI colours (text only). Off unless asked for: output is plain in files and CI logs. */
  readonly color?: boolean;
  /** The catalog, for item titles, remediation and references. */
  readonly catalog: Catalog;
  /** Rampart's version, written into SARIF as `tool.driver.version` (sarif only). */
  readonly toolVersion?: string;
  /**
   * Audited files are written relative to this directory (sarif, under `%SRCROOT%`, and github;
   * pass the repository root so GitHub annotates the document).
   */
  readonly sarifBaseDir?: string;
  /**
   * The registered checks or rules, as metadata: SARIF lists every one that ran as a rule, with
   * its title, even when it found nothing (sarif only).
   */
  readonly checks?: readonly CheckInfo[];
  /**
   * `--fail-on`: findings at or above it (new ones, with a baseline) are JUnit failures; the
   * others pass with their findings shown (junit only; default `high`).
   */
  readonly failOn?: Severity | "none";
  /**
   * List every info finding (text only). By default the text report sums up info findings per
   * rule within an item (how many, where the first is), since they can be most of a large
   * document's findings.
   */
  readonly showInfo?: boolean;
}

/**
 * Formats a scan or audit report in one of {@link REPORT_FORMATS}. Pure: no I/O.
 *
 * @example
 * ```ts
 * writeFileSync("out.sarif", formatReport(report, "sarif", { catalog, sarifBaseDir: process.cwd() }));
 * ```
 */
export function formatReport(report: Report, format: ReportFormat, options: FormatOptions): string {
  switch (format) {
    case "text":
      return formatText(report, options);
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report, options);
    case "junit":
      return formatJunit(report, options);
    case "html":
      return formatHtml(report, options);
    case "markdown":
      return formatMarkdown(report, options);
    case "github":
      return formatGithub(report, {
        ...(options.sarifBaseDir !== undefined ? { baseDir: options.sarifBaseDir } : {}),
      });
    default:
      throw new TypeError(`unknown report format ${String(format)}`);
  }
}

export { formatHtmlComparison, type LabelledReport } from "./html.js";
export type { CheckInfo } from "./shared.js";
