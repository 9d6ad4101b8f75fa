/**
 * The report formats, in a module of their own so that parsing the command line loads no
 * formatter.
 *
 * @example
 * ```ts
 * REPORT_FORMATS.includes("sarif"); // true
 * ```
 */
export const REPORT_FORMATS = [
  "text",
  "json",
  "sarif",
  "junit",
  "html",
  "markdown",
  "github",
] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];
