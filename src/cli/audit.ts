import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { auditDocument } from "../audit/engine.js";
import { AUDIT_RULES } from "../audit/registry.js";
import { loadCatalog } from "../catalog/catalog.js";
import { loadConfigFile } from "../core/config.js";
import { RampartError } from "../core/errors.js";
import { buildReport } from "../core/report.js";
import { atLeast, isSeverity, type Severity } from "../core/severity.js";
import { loadOpenApiFile } from "../openapi/load.js";
import { formatReport, REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import { type CliIO, useColor } from "./io.js";
import { VERSION } from "./main.js";

export interface AuditCliOptions {
  readonly format?: ReportFormat;
  /** `FILE` (with --format) or `FORMAT=FILE`, repeatable. */
  readonly output?: readonly string[];
  readonly failOn?: string;
  readonly config?: string;
  readonly allowRemoteRefs?: boolean;
  readonly sarifBaseDir?: string;
}

/**
 * `rampart audit <file>`: loads the OpenAPI document, runs the rules, writes the report(s).
 * Exit 0 clean, 1 findings at or above --fail-on (default high), 2 input errors.
 *
 * @example
 * ```ts
 * const code = await auditCommand("openapi.yaml", { format: "json" }, io);
 * ```
 */
export async function auditCommand(
  file: string,
  options: AuditCliOptions,
  io: CliIO,
): Promise<number> {
  const failOn = parseFailOn(options.failOn ?? "high");
  const outputs = parseOutputs(options.format, options.output ?? []);
  const today = io.now?.() ?? new Date();
  const config =
    options.config === undefined
      ? undefined
      : loadConfigFile(resolve(io.cwd, options.config), today);
  const started = Date.now();
  const startedAt = today.toISOString();
  const doc = await loadOpenApiFile(file, {
    cwd: io.cwd,
    allowRemoteRefs: options.allowRemoteRefs === true,
  });
  const catalog = loadCatalog();
  const result = auditDocument(doc, { catalog, ignore: config?.ignore ?? [], today });
  const report = buildReport(
    {
      kind: "audit",
      target: file,
      startedAt,
      durationMs: Date.now() - started,
      findings: result.findings,
      checks: result.checks,
    },
    catalog,
    result.outcomes,
  );
  const checks = AUDIT_RULES.map((r) => ({
    id: r.id,
    items: r.items,
    title: r.title,
    severity: r.severity,
  }));
  for (const { format, file: out } of outputs) {
    const text = formatReport(report, format, {
      catalog,
      checks,
      toolVersion: VERSION,
      sarifBaseDir: resolve(io.cwd, options.sarifBaseDir ?? "."),
      color: out === undefined && format === "text" && useColor(io),
    });
    if (out === undefined) io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    else {
      try {
        writeFileSync(resolve(io.cwd, out), text);
      } catch (error) {
        throw new RampartError("ERR_USAGE", `cannot write ${out}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
  if (result.suppressed.length > 0)
    io.stderr.write(`${result.suppressed.length} finding(s) suppressed with a reason\n`);
  if (failOn === "none") return 0;
  return report.findings.some((f) => atLeast(f.severity, failOn)) ? 1 : 0;
}

function parseFailOn(value: string): Severity | "none" {
  if (value === "none" || isSeverity(value)) return value;
  throw new RampartError(
    "ERR_USAGE",
    `--fail-on "${value}" is not one of critical, high, medium, low, info, none`,
  );
}

/** `--format F [--output FILE]`, `-o FORMAT=FILE` (repeatable); stdout gets text by default. */
function parseOutputs(
  format: ReportFormat | undefined,
  outputs: readonly string[],
): { format: ReportFormat; file?: string }[] {
  const result: { format: ReportFormat; file?: string }[] = [];
  let plain: string | undefined;
  for (const spec of outputs) {
    const match = /^([a-z]+)=(.+)$/.exec(spec);
    if (match && (REPORT_FORMATS as readonly string[]).includes(match[1] ?? "")) {
      result.push({ format: match[1] as ReportFormat, file: match[2] as string });
      continue;
    }
    if (plain !== undefined)
      throw new RampartError(
        "ERR_USAGE",
        `--output given twice without a format (${plain}, ${spec}); use -o FORMAT=FILE`,
      );
    plain = spec;
  }
  if (plain !== undefined) result.push({ format: format ?? "text", file: plain });
  else if (format !== undefined || result.length === 0) result.push({ format: format ?? "text" });
  return result;
}
