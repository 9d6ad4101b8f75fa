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
 * Marks each finding `new` or `unchanged` against a baseline report (findings match by their
 * stable id: check, location and subject) and lists the baseline's findings that are gone.
 */
export function compareWithBaseline(report: Report, baseline: Report, file: string): Report {
  const before = new Set(baseline.findings.map((f) => f.id));
  const now = new Set(report.findings.map((f) => f.id));
  const findings = report.findings.map(
    (f): Finding => ({ ...f, baseline: before.has(f.id) ? "unchanged" : "new" }),
  );
  const fresh = findings.filter((f) => f.baseline === "new").length;
  return {
    ...report,
    findings,
    baseline: {
      file,
      new: fresh,
      unchanged: findings.length - fresh,
      fixed: baseline.findings.filter((f) => !now.has(f.id)),
    },
  };
}
