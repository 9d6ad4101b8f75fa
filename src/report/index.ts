import type { Catalog } from "../catalog/catalog.js";
import type { Report } from "../core/report.js";

export const REPORT_FORMATS = ["text", "json", "sarif", "junit", "html", "markdown"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface FormatOptions {
  /** ANSI colours (text only). */
  readonly color?: boolean;
  /** The catalog, for item titles, remediation and references. */
  readonly catalog: Catalog;
}

/**
 * STUB (the report formatters replace it): formats a scan or audit report. Pure: no I/O.
 *
 * @example
 * ```ts
 * writeFileSync("out.sarif", formatReport(report, "sarif", { catalog }));
 * ```
 */
export function formatReport(
  report: Report,
  format: ReportFormat,
  _options: FormatOptions,
): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  throw new TypeError(`format ${format} is not implemented yet`);
}
