import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadCatalog } from "../catalog/catalog.js";
import { loadConfigFile } from "../config.js";
import { RampartError } from "../core/errors.js";
import { applySuppressions } from "../core/ignore.js";
import type { ReportFormat } from "../report/index.js";
import { runScan } from "../scan/engine.js";
import { scanConfigOptions } from "../scan/identities.js";
import { publicKeyOption } from "../scan/jwt/settings.js";
import type { ScanOptions } from "../scan/options.js";
import { createProgress } from "../scan/progress.js";
import { SCAN_CHECKS } from "../scan/registry.js";
import type { ScanProfile } from "../scan/types.js";
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

export interface ScanCliOptions {
  readonly openapi?: string;
  readonly postman?: string;
  readonly har?: string;
  readonly basePath?: string;
  readonly behindTlsProxy?: boolean;
  readonly proxy?: string;
  readonly ca?: string;
  readonly profile: ScanProfile;
  readonly maxRequests?: string;
  readonly rate?: string;
  readonly concurrency?: string;
  readonly timeout?: string;
  readonly header?: readonly string[];
  readonly bearer?: string;
  readonly scope?: readonly string[];
  readonly format?: ReportFormat;
  readonly output?: readonly string[];
  readonly failOn: string;
  readonly config?: string;
  /** PEM file of the server's public key, for the JWT key-confusion forgery. */
  readonly publicKey?: string;
  /** An earlier `--format json` report: findings are marked new / unchanged, fixed ones listed. */
  readonly baseline?: string;
}

/**
 * `rampart scan <url>`: runs the scan, writes the report(s), and returns the exit code: 0 clean,
 * 1 findings at or above `--fail-on`, 2 bad input, 3 target unreachable (thrown as RampartError).
 */
export async function scanCommand(
  url: string,
  options: ScanCliOptions,
  io: CliIO,
): Promise<number> {
  const failOn = parseFailOn(options.failOn);
  const outputs = parseOutputs(options.format, options.output ?? []);
  const compare = baselineOption(options.baseline, "scan", io);
  const today = io.now?.() ?? new Date();
  const config =
    options.config === undefined
      ? undefined
      : loadConfigFile(resolve(io.cwd, options.config), today, { checkIds: checkIds() });
  const fromConfig = config?.scan
    ? scanConfigOptions(config.scan, options.bearer !== undefined)
    : ({} as ReturnType<typeof scanConfigOptions>);
  const scanOptions: ScanOptions = {
    target: url,
    ...(options.openapi !== undefined ? { openapi: options.openapi } : {}),
    ...(options.postman !== undefined ? { postman: options.postman } : {}),
    ...(options.har !== undefined ? { har: options.har } : {}),
    ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    ...(options.behindTlsProxy ? { behindTlsProxy: true } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.ca !== undefined ? { proxyCa: readCa(resolve(io.cwd, options.ca)) } : {}),
    profile: options.profile,
    ...number("--max-requests", options.maxRequests, "maxRequests", true),
    ...number("--rate", options.rate, "rate", false),
    ...number("--concurrency", options.concurrency, "concurrency", true),
    ...number("--timeout", options.timeout, "timeoutSeconds", false),
    ...(options.bearer !== undefined ? { bearer: options.bearer } : {}),
    scope: options.scope ?? [],
    ...fromConfig,
    // Command-line headers win over an identity's hand-made ones.
    headers: { ...(fromConfig.headers ?? {}), ...parseHeaders(options.header ?? []) },
    ...(options.publicKey !== undefined
      ? publicKeyOption(options.publicKey, config?.scan, io.cwd)
      : {}),
    ...(config?.vocabulary ? { vocabulary: buildVocabulary(config.vocabulary) } : {}),
    cwd: io.cwd,
    ...(io.signal ? { signal: io.signal } : {}),
  };
  const catalog = loadCatalog();
  const warnings: string[] = [];
  const report = await runScan(scanOptions, {
    catalog,
    checks: SCAN_CHECKS,
    progress: createProgress(io.stderr, Boolean(io.stderr.isTTY)),
    ...(io.now ? { now: io.now } : {}),
    ...(config && config.ignore.length > 0
      ? {
          suppress: (findings) => {
            const result = applySuppressions(findings, config.ignore, today);
            warnings.push(...result.warnings);
            if (result.suppressed.length > 0)
              warnings.push(`${result.suppressed.length} finding(s) suppressed by ignore: entries`);
            return result;
          },
        }
      : {}),
  });
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  if (io.signal?.aborted)
    io.stderr.write("rampart scan: interrupted; partial report of the checks that finished\n");
  const compared = compare(report);
  writeReports(compared, outputs, io, {
    catalog,
    failOn,
    toolVersion: VERSION,
    sarifBaseDir: io.cwd,
    checks: SCAN_CHECKS,
  });
  io.stderr.write(
    `rampart scan: grade ${report.grade} (${report.score}/100), ${report.findings.length} findings, ${report.requests ?? 0} requests in ${(report.durationMs / 1000).toFixed(1)} s\n`,
  );
  return exitCodeFor(compared, failOn);
}

/** The PEM text of `--ca`, or ERR_USAGE naming the file. */
function readCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new RampartError(
      "ERR_USAGE",
      `--ca ${file}: cannot read it (${(error as { code?: string }).code ?? "unreadable"})`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----"))
    throw new RampartError("ERR_USAGE", `--ca ${file}: not a PEM certificate`);
  return text;
}

function parseHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of raw) {
    const colon = h.indexOf(":");
    if (colon <= 0)
      throw new RampartError(
        "ERR_USAGE",
        `--header must look like "Name: value" (got "${h.split(":")[0]}")`,
      );
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return headers;
}

function number<K extends string>(
  flag: string,
  raw: string | undefined,
  key: K,
  integer: boolean,
): Partial<Record<K, number>> {
  if (raw === undefined) return {};
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new RampartError(
      "ERR_USAGE",
      `${flag} must be ${integer ? "an integer" : "a number"} (got "${raw}")`,
    );
  return { [key]: value } as Partial<Record<K, number>>;
}
