import type { Catalog } from "../catalog/catalog.js";
import { failingFindings, type Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import { findingPlainLines, type ItemView, sectionViews, targetText } from "./shared.js";

/** Options of {@link formatJunit}. */
export interface JunitOptions {
  readonly catalog: Catalog;
  /**
   * Findings at or above this fail their item's test case (default `high`, as `--fail-on`);
   * compared with a baseline, only new ones. An item whose findings are all below is a pass
   * carrying them in `<system-out>`, so the test tab agrees with the exit code.
   */
  readonly failOn?: Severity | "none";
}

/**
 * The report as JUnit XML for CI test tabs: one `testsuite` per checklist section, one `testcase`
 * per item the command can verify (a scan has no case for an item only the audit or a person can
 * check). A `fail` item with findings at or above `failOn` is a `<failure>` carrying them; other
 * findings pass in `<system-out>`; `partial`, `not_tested` and `not_applicable` are `<skipped>`
 * with the reason (a partial item is no pass: it says what was left out).
 *
 * @example
 * ```ts
 * writeFileSync("rampart-junit.xml", formatJunit(report, { catalog, failOn: "high" }));
 * ```
 */
export function formatJunit(report: Report, options: JunitOptions): string {
  const failing = new Set(failingFindings(report, options.failOn ?? "high").map((f) => f.id));
  const sections = sectionViews(report, options.catalog)
    .map(({ section, items }) => ({
      section,
      cases: items
        .filter((v) => v.item.capabilities.includes(report.kind))
        .map((view) => caseOf(view, failing)),
    }))
    .filter((s) => s.cases.length > 0);
  const all = sections.flatMap((s) => s.cases);
  const count = (kind: Case["kind"], cases: readonly Case[]) =>
    cases.filter((c) => c.kind === kind).length;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="${attr(`rampart ${report.kind} ${targetText(report)}`)}" tests="${all.length}" ` +
      `failures="${count("failure", all)}" errors="0" skipped="${count("skipped", all)}" time="${seconds}">`,
  );
  for (const [index, { section, cases }] of sections.entries()) {
    out.push(
      `  <testsuite id="${index}" name="${attr(section.title)}" tests="${cases.length}" failures="${count("failure", cases)}" ` +
        `errors="0" skipped="${count("skipped", cases)}" time="0" timestamp="${attr(report.startedAt.replace(/Z$/, ""))}">`,
    );
    if (index === 0) {
      out.push("    <properties>");
      const props: [string, string][] = [
        ["kind", report.kind],
        ["target", targetText(report)],
        ["score", String(report.score)],
        ["grade", report.grade],
      ];
      if (options.failOn !== undefined) props.push(["fail-on", options.failOn]);
      if (report.requests !== undefined) props.push(["requests", String(report.requests)]);
      for (const [name, value] of props) {
        out.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
      }
      out.push("    </properties>");
    }
    for (const c of cases) out.push(...c.lines(section.title));
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

interface Case {
  readonly kind: "pass" | "failure" | "skipped";
  lines(classname: string): string[];
}

function caseOf(view: ItemView, failing: ReadonlySet<string>): Case {
  const open = (classname: string) =>
    `    <testcase classname="${attr(classname)}" name="${attr(`${view.item.id} ${view.item.title}`)}" time="0"`;
  const all = [...view.findings, ...view.related];
  const details = all.flatMap((f) => [...findingPlainLines(f), ""]);
  const verdict = view.result.verdict;
  const worst = all.find((f) => failing.has(f.id));
  if (verdict === "fail" && worst) {
    details.push(`Remediation: ${view.item.remediation}`);
    return {
      kind: "failure",
      lines: (classname) => [
        `${open(classname)}>`,
        `      <failure message="${attr(worst.title)}" type="${attr(worst.severity)}">${text(details.join("\n"))}</failure>`,
        "    </testcase>",
      ],
    };
  }
  if (verdict === "fail" || verdict === "warn")
    return {
      kind: "pass",
      lines: (classname) => [
        `${open(classname)}>`,
        `      <system-out>${text(details.join("\n"))}</system-out>`,
        "    </testcase>",
      ],
    };
  if (verdict === "pass") return { kind: "pass", lines: (classname) => [`${open(classname)}/>`] };
  // A partial item is not a pass: CI shows it skipped, with what was left out.
  const prefix = verdict === "partial" ? "partial: " : "";
  const reason = `${prefix}${view.result.reason ?? verdict.replace("_", " ")}`;
  return {
    kind: "skipped",
    lines: (classname) => [
      `${open(classname)}>`,
      `      <skipped message="${attr(reason)}"/>`,
      "    </testcase>",
    ],
  };
}

/**
 * XML 1.0 allows neither most C0 controls nor U+FFFE/U+FFFF nor lone surrogates, even escaped:
 * they become visible `\xNN` text (or U+FFFD), then markup characters are escaped.
 */
function clean(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (ch) => {
        return `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
      })
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
      .replace(/[\ufffe\uffff]/g, "\ufffd")
  );
}

function text(value: string): string {
  return clean(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(value: string): string {
  return text(value)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}
