import { resolve } from "node:path";
import { type AuditResult, auditDocument } from "../audit/engine.js";
import { AUDIT_RULES } from "../audit/registry.js";
import { computeAuditScore } from "../audit/score.js";
import { selectRules } from "../audit/select.js";
import { loadCatalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import { loadConfigFile } from "../config.js";
import type { Finding } from "../core/finding.js";
import {
  buildReport,
  type CheckRun,
  failingFindings,
  type ItemOutcome,
  type Report,
} from "../core/report.js";
import { atLeast, type Severity } from "../core/severity.js";
import type { ReportFormat } from "../report/index.js";
import { locationText, printable } from "../report/shared.js";
import { VERSION } from "../version.js";
import { buildVocabulary } from "../vocabulary/vocabulary.js";
import { expandInputs, loadInput, STDIN_NAME } from "./audit-inputs.js";
import { checkIds } from "./check-ids.js";
import type { CliIO } from "./io.js";
import {
  baselineOption,
  exitCodeFor,
  parseFailOn,
  parseOutputs,
  parseSeverity,
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
  /** Show only findings at or above this severity (every format); the exit code still counts all. */
  readonly minSeverity?: string;
  /** On stdout, only the findings that fail the run, one line each; no notices on stderr. */
  readonly quiet?: boolean;
  /** Rule ids, tags or item ids to run (comma-separated, repeatable). */
  readonly rules?: readonly string[];
  /** Rule ids, tags or item ids to leave out (comma-separated, repeatable). */
  readonly skipRules?: readonly string[];
  /** List every info finding in the text report instead of one line per rule and item. */
  readonly showInfo?: boolean;
}

/**
 * `rampart audit <file...>`: loads each OpenAPI document (a file, `-` for standard input, an
 * http(s) URL or a glob), runs the selected rules, and writes one report with the findings of
 * every document. Exit 0 clean, 1 findings at or above --fail-on (default high), 2 input errors.
 *
 * @example
 * ```ts
 * const code = await auditCommand(["openapi.yaml"], { format: "json" }, io);
 * ```
 */
export async function auditCommand(
  files: readonly string[],
  options: AuditCliOptions,
  io: CliIO,
): Promise<number> {
  const failOn = parseFailOn(options.failOn ?? "high");
  const minSeverity =
    options.minSeverity === undefined
      ? undefined
      : parseSeverity("--min-severity", options.minSeverity);
  const outputs = parseOutputs(options.format, options.output ?? []);
  const rules = selectRules(AUDIT_RULES, {
    ...(options.rules ? { only: options.rules } : {}),
    ...(options.skipRules ? { skip: options.skipRules } : {}),
  });
  const compare = baselineOption(options.baseline, "audit", io);
  const inputs = expandInputs(files, io.cwd);
  const today = io.now?.() ?? new Date();
  const config =
    options.config === undefined
      ? undefined
      : loadConfigFile(resolve(io.cwd, options.config), today, { checkIds: checkIds() });
  const started = Date.now();
  const startedAt = today.toISOString();
  const catalog = loadCatalog();
  const vocabulary = config?.vocabulary ? { vocabulary: buildVocabulary(config.vocabulary) } : {};
  const results: { name: string; result: AuditResult }[] = [];
  for (const input of inputs) {
    const doc = await loadInput(input, io, { allowRemoteRefs: options.allowRemoteRefs === true });
    results.push({
      name: input === "-" ? STDIN_NAME : input,
      result: auditDocument(doc, {
        catalog,
        rules,
        ignore: config?.ignore ?? [],
        today,
        ...vocabulary,
      }),
    });
  }
  const merged = mergeResults(results.map((r) => r.result));
  const names = results.map((r) => r.name);
  const report = buildReport(
    {
      kind: "audit",
      target: names.length === 1 ? (names[0] as string) : `${names.length} documents`,
      startedAt,
      durationMs: Date.now() - started,
      findings: merged.findings,
      ...(merged.suppressed.length > 0 ? { suppressed: merged.suppressed } : {}),
      checks: merged.checks,
      ...(names.length > 1
        ? { notes: results.map(({ name, result }) => perFile(name, result)) }
        : {}),
    },
    catalog,
    merged.outcomes,
    undefined,
    computeAuditScore(merged.findings, {
      operations: merged.reach.operations,
      of: (f) => merged.reach.byFinding.get(f.id),
    }),
  );
  const checks = rules.map((r) => ({
    id: r.id,
    items: r.items,
    title: r.title,
    severity: r.severity,
  }));
  const compared = compare(report);
  const shown = minSeverity === undefined ? compared : showAtLeast(compared, minSeverity);
  const quiet = options.quiet === true;
  const rest = quiet ? outputs.filter((o) => o.file !== undefined || o.format !== "text") : outputs;
  if (quiet && rest.length < outputs.length) io.stdout.write(quietText(compared, failOn));
  writeReports(shown, rest, io, {
    catalog,
    failOn,
    checks,
    toolVersion: VERSION,
    sarifBaseDir: resolve(io.cwd, options.sarifBaseDir ?? "."),
    ...(options.showInfo ? { showInfo: true } : {}),
  });
  if (!quiet) {
    for (const w of merged.warnings) io.stderr.write(`warning: ${w}\n`);
    if (merged.suppressed.length > 0)
      io.stderr.write(`${merged.suppressed.length} finding(s) suppressed with a reason\n`);
  }
  return exitCodeFor(compared, failOn);
}

/** One report from the audits of several documents: rules and items ran if they ran on any. */
function mergeResults(results: readonly AuditResult[]): AuditResult {
  if (results.length === 1) return results[0] as AuditResult;
  const checks = new Map<string, CheckRun>();
  const outcomes = new Map<ItemId, ItemOutcome>();
  const byFinding = new Map<string, readonly string[]>();
  let operations = 0;
  for (const r of results) {
    for (const run of r.checks) {
      const known = checks.get(run.id);
      if (!known || run.status === "error") checks.set(run.id, run);
    }
    for (const [id, outcome] of r.outcomes) if (!outcomes.get(id)?.ran) outcomes.set(id, outcome);
    for (const [id, ops] of r.reach.byFinding) byFinding.set(id, ops);
    operations += r.reach.operations;
  }
  return {
    findings: results.flatMap((r) => r.findings),
    suppressed: results.flatMap((r) => r.suppressed),
    warnings: [...new Set(results.flatMap((r) => r.warnings))],
    checks: [...checks.values()],
    outcomes,
    reach: { operations, byFinding },
  };
}

/** `api.yaml: 12 findings (1 high, 3 medium, 8 info), 40 operations`. */
function perFile(name: string, result: AuditResult): string {
  const counts = new Map<Severity, number>();
  for (const f of result.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const bySeverity = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  const n = result.findings.length;
  return `${name}: ${n} finding${n === 1 ? "" : "s"}${n > 0 ? ` (${bySeverity})` : ""}, ${result.reach.operations} operations`;
}

/**
 * The report as shown with `--min-severity`: findings below it are left out of every format
 * (a note says how many); verdicts, score and grade stay those of the whole audit.
 */
function showAtLeast(report: Report, min: Severity): Report {
  const kept = report.findings.filter((f) => atLeast(f.severity, min));
  const hidden = report.findings.length - kept.length;
  if (hidden === 0) return report;
  const ids = new Set(kept.map((f) => f.id));
  const keep = (list: readonly string[]) => list.filter((id) => ids.has(id));
  return {
    ...report,
    findings: kept,
    items: report.items.map((item) => ({
      ...item,
      findings: keep(item.findings),
      ...(item.related ? { related: keep(item.related) } : {}),
    })),
    notes: [
      ...(report.notes ?? []),
      `${hidden} finding${hidden === 1 ? "" : "s"} below ${min} not shown (--min-severity ${min}); the verdicts, the score and the exit code count them.`,
    ],
  };
}

/** `--quiet`: the findings that fail the run, one line each, and nothing when none does. */
function quietText(report: Report, failOn: Severity | "none"): string {
  const failing: Finding[] = failingFindings(report, failOn);
  return failing
    .map(
      (f) =>
        `${f.severity.padEnd(8)} ${printable(f.checkId)}  ${printable(locationText(f.location))}  ${printable(f.title)}\n`,
    )
    .join("");
}
