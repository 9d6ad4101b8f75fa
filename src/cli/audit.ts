import { resolve } from "node:path";
import { auditDocument } from "../audit/engine.js";
import { AUDIT_RULES } from "../audit/registry.js";
import { loadCatalog } from "../catalog/catalog.js";
import { loadConfigFile } from "../config.js";
import { buildReport } from "../core/report.js";
import { loadOpenApiFile } from "../openapi/load.js";
import type { ReportFormat } from "../report/index.js";
import { VERSION } from "../version.js";
import { buildVocabulary } from "../vocabulary/vocabulary.js";
import { checkIds } from "./check-ids.js";
import type { CliIO } from "./io.js";
import {
  baselineOption,
  exitCodeFor,
  parseFailOn,
  parseOutputs,
  writeReports,
} from "./report-output.js";

export interface AuditCliOptions {
  readonly format?: ReportFormat;
  /** `FILE` (with --format) or `FORMAT=FILE`, repeatable. */
  readonly output?: readonly string[];
  readonly failOn?: string;
  readonly config?: string;
  readonly allowRemoteRefs?: boolean;
  readonly sarifBaseDir?: string;
  /** An earlier `--format json` report: findings are marked new / unchanged, fixed ones listed. */
  readonly baseline?: string;
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
  const compare = baselineOption(options.baseline, "audit", io);
  const today = io.now?.() ?? new Date();
  const config =
    options.config === undefined
      ? undefined
      : loadConfigFile(resolve(io.cwd, options.config), today, { checkIds: checkIds() });
  const started = Date.now();
  const startedAt = today.toISOString();
  const doc = await loadOpenApiFile(file, {
    cwd: io.cwd,
    allowRemoteRefs: options.allowRemoteRefs === true,
  });
  const catalog = loadCatalog();
  const result = auditDocument(doc, {
    catalog,
    ignore: config?.ignore ?? [],
    today,
    ...(config?.vocabulary ? { vocabulary: buildVocabulary(config.vocabulary) } : {}),
  });
  const report = buildReport(
    {
      kind: "audit",
      target: file,
      startedAt,
      durationMs: Date.now() - started,
      findings: result.findings,
      ...(result.suppressed.length > 0 ? { suppressed: result.suppressed } : {}),
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
  const compared = compare(report);
  writeReports(compared, outputs, io, {
    catalog,
    failOn,
    checks,
    toolVersion: VERSION,
    sarifBaseDir: resolve(io.cwd, options.sarifBaseDir ?? "."),
  });
  for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
  if (result.suppressed.length > 0)
    io.stderr.write(`${result.suppressed.length} finding(s) suppressed with a reason\n`);
  return exitCodeFor(compared, failOn);
}
