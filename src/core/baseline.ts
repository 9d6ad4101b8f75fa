import { readFileSync } from "node:fs";
import { RampartError } from "./errors.js";
import type { Finding } from "./finding.js";
import type { Report } from "./report.js";

const KIND_NAME: Readonly<Record<string, string>> = { scan: "a scan", audit: "an audit" };

/**
 * Reads an earlier `--format json` report to compare with. Only what the comparison needs is
 * checked: the tool, the schema version, the kind and the findings' ids.
 *
 * @example
 * ```ts
 * const compared = compareWithBaseline(report, readBaseline("last-scan.json", "scan"));
 * ```
 */
export function readBaseline(file: string, kind: Report["kind"], path: string = file): Report {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "not a JSON report";
    throw new RampartError("ERR_BASELINE_INVALID", reason, { source: file, cause: error });
  }
  const report = data as Partial<Report> | null;
  if (
    report?.tool !== "rampart" ||
    report.schemaVersion !== 1 ||
    !Array.isArray(report.findings) ||
    !report.findings.every((f) => typeof (f as Partial<Finding>)?.id === "string")
  ) {
    throw new RampartError("ERR_BASELINE_INVALID", "not a Rampart JSON report (--format json)", {
      source: file,
    });
  }
  if (report.kind !== kind) {
    throw new RampartError(
      "ERR_BASELINE_INVALID",
      `is ${KIND_NAME[String(report.kind)] ?? "another kind of"} report, not ${KIND_NAME[kind]} report`,
      { source: file },
    );
  }
  return report as Report;
}

/**
 * Marks each finding `new` or `unchanged` against a baseline report and lists the baseline's
 * findings that are gone. Findings match by fingerprint (check, item, operation template,
 * subject), one for one: a server-made id or a probe's random path does not make a finding new.
 * A baseline written before fingerprints matches by id. A finding suppressed now is not fixed.
 *
 * @example
 * ```ts
 * const compared = compareWithBaseline(report, readBaseline("last.json", "scan"), "last.json");
 * compared.baseline; // { file: "last.json", new: 0, unchanged: 25, fixed: [] }
 * ```
 */
export function compareWithBaseline(report: Report, baseline: Report, file: string): Report {
  const before = new Map<string, number>();
  for (const f of baseline.findings) {
    const key = keyOf(f);
    before.set(key, (before.get(key) ?? 0) + 1);
  }
  const take = (f: Finding): boolean => {
    for (const key of [f.fingerprint, `id:${f.id}`]) {
      const left = before.get(key) ?? 0;
      if (left > 0) {
        before.set(key, left - 1);
        return true;
      }
    }
    return false;
  };
  const findings = report.findings.map(
    (f): Finding => ({ ...f, baseline: take(f) ? "unchanged" : "new" }),
  );
  // What is suppressed now was accepted, not fixed.
  for (const s of report.suppressed ?? []) take(s.finding);
  const fixed = baseline.findings.filter((f) => {
    const key = keyOf(f);
    const left = before.get(key) ?? 0;
    if (left === 0) return false;
    before.set(key, left - 1);
    return true;
  });
  const fresh = findings.filter((f) => f.baseline === "new").length;
  return {
    ...report,
    findings,
    baseline: { file, new: fresh, unchanged: findings.length - fresh, fixed },
  };
}

function keyOf(finding: Finding): string {
  // Reports of earlier versions carry no fingerprint.
  return typeof finding.fingerprint === "string" ? finding.fingerprint : `id:${finding.id}`;
}
