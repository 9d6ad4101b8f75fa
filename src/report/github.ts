import { isAbsolute, relative, sep } from "node:path";
import type { Finding } from "../core/finding.js";
import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import { locationText, printable, sortFindings, targetText } from "./shared.js";

/** How GitHub shows each severity: errors and warnings annotate the pull request, notices too. */
const COMMAND: Readonly<Record<Severity, "error" | "warning" | "notice">> = Object.freeze({
  critical: "error",
  high: "error",
  medium: "warning",
  low: "notice",
  info: "notice",
});

export interface GithubOptions {
  /**
   * Audited files are named relative to this directory, the repository root in a workflow
   * (default: as the finding names them), so that GitHub places each annotation on its line.
   */
  readonly baseDir?: string;
}

/**
 * The report as GitHub Actions workflow commands, one line per finding, as spectral writes
 * them: an audit finding is an annotation at its file and line (`::error file=openapi.yaml,line=12,
 * col=5,title=...::...`), a scan finding one at the job level (it has no file). Compared with a
 * baseline, only new findings are annotated. A last `::notice` line gives the grade. Messages
 * carry titles, details and locations, never evidence bodies, and are escaped so that nothing a
 * server said can start a workflow command of its own.
 *
 * @example
 * ```ts
 * process.stdout.write(formatGithub(report, { baseDir: process.env.GITHUB_WORKSPACE }));
 * ```
 */
export function formatGithub(report: Report, options: GithubOptions = {}): string {
  const shown = sortFindings(
    report.baseline ? report.findings.filter((f) => f.baseline === "new") : report.findings,
  );
  const lines = shown.map((f) => annotation(f, options.baseDir));
  const baseline = report.baseline
    ? `; baseline ${report.baseline.file}: ${report.baseline.new} new, ${report.baseline.unchanged} unchanged, ${report.baseline.fixed.length} fixed`
    : "";
  lines.push(
    command(
      "notice",
      { title: `Rampart ${report.kind}` },
      `${targetText(report)}: grade ${report.grade} (${report.score}/100), ${report.findings.length} findings${baseline}`,
    ),
  );
  return `${lines.join("\n")}\n`;
}

function annotation(finding: Finding, baseDir: string | undefined): string {
  const loc = finding.location;
  const title = `${finding.title} [${finding.checkId}${finding.items.length > 0 ? ` ${finding.items.join(" ")}` : ""}]`;
  const message = [finding.detail || finding.title, `at ${locationText(loc)}`].join("\n");
  if (loc.kind === "http") return command(COMMAND[finding.severity], { title }, message);
  return command(
    COMMAND[finding.severity],
    {
      file: fileFor(loc.file, baseDir),
      ...(loc.line === undefined ? {} : { line: String(loc.line) }),
      ...(loc.column === undefined ? {} : { col: String(loc.column) }),
      title,
    },
    message,
  );
}

function fileFor(file: string, baseDir: string | undefined): string {
  if (baseDir === undefined || !isAbsolute(file)) return file.split(sep).join("/");
  const rel = relative(baseDir, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel.split(sep).join("/");
}

/** `::name key=value,...::message`, escaped as the runner expects (actions/toolkit). */
function command(
  name: string,
  properties: Readonly<Record<string, string>>,
  message: string,
): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(",");
  return `::${name}${props ? ` ${props}` : ""}::${escapeData(message)}`;
}

function escapeData(text: string): string {
  return printable(text).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
