import { createHash } from "node:crypto";
import { isAbsolute, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Sarif from "sarif";
import type { Catalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import type { Finding } from "../core/finding.js";
import { redactUrl } from "../core/redact.js";
import type { Report } from "../core/report.js";
import { type Severity, worstSeverity } from "../core/severity.js";
import { type CheckInfo, referenceIds, sortFindings } from "./shared.js";

/**
 * GitHub code scanning ranks security results by `security-severity` (0.0-10.0, CVSS-like bands:
 * critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9).
 */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = Object.freeze({
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
});

const LEVEL: Readonly<Record<Severity, Sarif.Result.level>> = Object.freeze({
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
});

/** The `uriBaseId` under which audited files are given when a base directory is known. */
export const SRCROOT = "%SRCROOT%";

export interface SarifOptions {
  readonly catalog: Catalog;
  /** Written as `tool.driver.version`. */
  readonly toolVersion?: string;
  /**
   * Audited files are written relative to this directory, under `uriBaseId` `%SRCROOT%`, so code
   * scanning can annotate them (usually the repository root).
   */
  readonly sarifBaseDir?: string;
  /** What the registered checks or rules say about themselves (titles for rules without findings). */
  readonly checks?: readonly CheckInfo[];
}

/**
 * The report as a SARIF 2.1.0 log with one run: a rule per check or audit rule that ran or
 * reported, a result per finding with physical locations (audit: file, line, column; scan: the
 * URL plus a logical location with the method and path) and the finding's fingerprint as partial
 * fingerprint; findings accepted by `ignore:` (or `x-rampart-ignore`) as results with
 * `suppressions` and the reason, and a baseline's fixed findings as `baselineState: absent`.
 *
 * @example
 * ```ts
 * writeFileSync("rampart.sarif", formatSarif(report, { catalog, sarifBaseDir: process.cwd() }));
 * ```
 */
export function formatSarif(report: Report, options: SarifOptions): string {
  return `${JSON.stringify(buildSarifLog(report, options), null, 2)}\n`;
}

/** The SARIF log as an object (see {@link formatSarif}). */
export function buildSarifLog(report: Report, options: SarifOptions): Sarif.Log {
  const { catalog } = options;
  const info = new Map((options.checks ?? []).map((c) => [c.id, c]));
  const findings = sortFindings(report.findings);

  const suppressed = report.suppressed ?? [];
  const fixed = report.baseline?.fixed ?? [];
  const reported = [...findings, ...suppressed.map((x) => x.finding), ...fixed];

  const ruleIds: string[] = [];
  for (const id of [...reported.map((f) => f.checkId), ...report.checks.map((c) => c.id)]) {
    if (!ruleIds.includes(id)) ruleIds.push(id);
  }
  ruleIds.sort();
  const rules = ruleIds.map((id) =>
    ruleFor(
      id,
      reported.filter((f) => f.checkId === id),
      info.get(id),
      catalog,
    ),
  );
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const result = (f: Finding): Sarif.Result => ({
    ruleId: f.checkId,
    ruleIndex: ruleIndex.get(f.checkId) ?? 0,
    level: LEVEL[f.severity],
    message: { text: f.detail ? `${f.title.replace(/[.!?]$/, "")}. ${f.detail}` : f.title },
    locations: [locationFor(f, options.sarifBaseDir)],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf(f) },
    ...(f.baseline ? { baselineState: f.baseline } : {}),
    properties: {
      severity: f.severity,
      confidence: f.confidence,
      items: [...f.items],
      "security-severity": SECURITY_SEVERITY[f.severity],
    },
  });

  const results = [
    ...findings.map(result),
    // Accepted findings stay visible as suppressed results, with who accepted them and why.
    ...sortFindings(suppressed.map((x) => x.finding)).map((f): Sarif.Result => {
      const why = suppressed.find((x) => x.finding === f);
      return {
        ...result(f),
        suppressions: [
          {
            kind: why?.source === "inline" ? "inSource" : "external",
            status: "accepted",
            justification: why?.reason ?? "",
          },
        ],
      };
    }),
    // Fixed since the baseline: results that were there and are gone.
    ...sortFindings(fixed).map((f): Sarif.Result => ({ ...result(f), baselineState: "absent" })),
  ];

  const errored = report.checks.filter((c) => c.status === "error");
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: "rampart",
        ...(options.toolVersion === undefined ? {} : { version: options.toolVersion }),
        rules,
      },
    },
    automationDetails: { id: `rampart/${report.kind}/` },
    invocations: [
      {
        executionSuccessful: errored.length === 0,
        startTimeUtc: report.startedAt,
        endTimeUtc: new Date(Date.parse(report.startedAt) + report.durationMs).toISOString(),
        toolExecutionNotifications: errored.map((c) => ({
          level: "error",
          message: { text: `check ${c.id} failed to run: ${c.reason ?? "error"}` },
          descriptor: { id: c.id },
        })),
      },
    ],
    results,
    properties: {
      target: report.kind === "scan" ? redactUrl(report.target) : report.target,
      score: report.score,
      grade: report.grade,
      ...(report.requests === undefined ? {} : { requests: report.requests }),
    },
  };
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [run],
  };
}

function ruleFor(
  id: string,
  findings: readonly Finding[],
  info: CheckInfo | undefined,
  catalog: Catalog,
): Sarif.ReportingDescriptor {
  const itemIds: ItemId[] = [];
  for (const itemId of [...(info?.items ?? []), ...findings.flatMap((f) => f.items)]) {
    if (!itemIds.includes(itemId)) itemIds.push(itemId);
  }
  const items = itemIds.map((i) => catalog.item(i));
  const title = info?.title ?? findings[0]?.title ?? `Rampart check ${id}`;
  const severity = info?.severity ?? worstSeverity(findings.map((f) => f.severity));
  const refs = new Set<string>();
  for (const item of items) for (const r of referenceIds(item.references)) refs.add(r);
  for (const f of findings) for (const r of referenceIds(f.references)) refs.add(r);
  const tags = ["security", ...itemIds, ...[...refs].filter((r) => !r.startsWith("RFC"))];

  const rule: Sarif.ReportingDescriptor = {
    id,
    name: toPascal(id),
    shortDescription: { text: title },
  };
  if (items.length > 0) {
    rule.fullDescription = { text: items.map((i) => `${i.id} ${i.title}: ${i.summary}`).join(" ") };
    rule.help = {
      text: items.map((i) => `${i.id}: ${i.remediation}`).join("\n\n"),
      markdown: items
        .map(
          (i) =>
            `**${i.id} ${i.title}**\n\n${i.remediation}\n\nReferences: ${referenceIds(i.references).join(", ")}`,
        )
        .join("\n\n"),
    };
  }
  if (severity !== undefined) rule.defaultConfiguration = { level: LEVEL[severity] };
  rule.properties = {
    tags,
    ...(severity === undefined ? {} : { "security-severity": SECURITY_SEVERITY[severity] }),
  };
  return rule;
}

function locationFor(finding: Finding, baseDir: string | undefined): Sarif.Location {
  const loc = finding.location;
  if (loc.kind === "http") {
    const url = uriSafe(redactUrl(loc.url));
    const method = loc.method ?? "GET";
    let path = url;
    try {
      const parsed = new URL(url);
      path = `${parsed.pathname}${parsed.search}`;
    } catch {
      // Not a URL: keep it whole as the logical location.
    }
    return {
      physicalLocation: { artifactLocation: { uri: url } },
      logicalLocations: [
        { name: `${method} ${path}`, fullyQualifiedName: `${method} ${url}`, kind: "resource" },
      ],
    };
  }
  const region: Sarif.Region | undefined =
    loc.line === undefined
      ? undefined
      : { startLine: loc.line, ...(loc.column === undefined ? {} : { startColumn: loc.column }) };
  return {
    physicalLocation: {
      artifactLocation: artifactFor(loc.file, baseDir),
      ...(region === undefined ? {} : { region }),
    },
    logicalLocations: [{ fullyQualifiedName: loc.pointer || "#", kind: "object" }],
  };
}

function artifactFor(file: string, baseDir: string | undefined): Sarif.ArtifactLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return { uri: uriSafe(file) };
  if (baseDir !== undefined) {
    const rel = isAbsolute(file) ? relative(baseDir, file) : file;
    if (!rel.startsWith("..") && !isAbsolute(rel)) {
      return { uri: encodePath(rel.split(sep).join("/")), uriBaseId: SRCROOT };
    }
  }
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: encodePath(file.split(sep).join("/")), uriBaseId: SRCROOT };
}

function encodePath(path: string): string {
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/**
 * Escapes what may not stand in a URI (brackets of `[REDACTED]`, spaces, quotes), and a `%` that
 * starts no escape (a probe's broken encoding such as `/%E0%A4%A`).
 */
function uriSafe(uri: string): string {
  return uri
    .replace(/%(?![0-9a-f]{2})/gi, "%25")
    .replace(/[[\]\s"<>\\^`{|}]/g, (ch) => encodeURIComponent(ch));
}

/** The key of Rampart's partial fingerprint; v2 is src/core/fingerprint.ts (operation templates). */
export const FINGERPRINT_KEY = "rampartFinding/v2";

/** The finding's stable fingerprint; a finding of an older report without one gets its id's hash. */
function fingerprintOf(finding: Finding): string {
  if (typeof finding.fingerprint === "string") return finding.fingerprint;
  return createHash("sha256").update(finding.id).digest("hex").slice(0, 32);
}

function toPascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join("");
}
