import type { Catalog } from "../catalog/catalog.js";
import type { Report } from "../core/report.js";
import {
  findingPlainLines,
  type ItemView,
  sectionViews,
  targetText,
  verdictCounts,
} from "./shared.js";

/**
 * The report as JUnit XML for CI test tabs: one `testsuite` per checklist section, one `testcase`
 * per item. `fail` is a `<failure>` carrying the findings; `warn` passes with the findings in
 * `<system-out>`; `partial`, `not_tested`, `not_applicable` and `manual` are `<skipped>` with the
 * reason (a partial item is no pass: it says what was left out).
 *
 * @example
 * ```ts
 * writeFileSync("rampart-junit.xml", formatJunit(report, { catalog }));
 * ```
 */
export function formatJunit(report: Report, options: { readonly catalog: Catalog }): string {
  const sections = sectionViews(report, options.catalog);
  const totals = verdictCounts(report);
  const skipped = totals.not_tested + totals.not_applicable + totals.manual + totals.partial;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="${attr(`rampart ${report.kind} ${targetText(report)}`)}" tests="${report.items.length}" ` +
      `failures="${totals.fail}" errors="0" skipped="${skipped}" time="${seconds}">`,
  );
  for (const [index, { section, items }] of sections.entries()) {
    const failures = items.filter((v) => v.result.verdict === "fail").length;
    const skips = items.filter((v) => isSkipped(v)).length;
    out.push(
      `  <testsuite id="${index}" name="${attr(section.title)}" tests="${items.length}" failures="${failures}" ` +
        `errors="0" skipped="${skips}" time="0" timestamp="${attr(report.startedAt.replace(/Z$/, ""))}">`,
    );
    if (index === 0) {
      out.push("    <properties>");
      const props: [string, string][] = [
        ["kind", report.kind],
        ["target", targetText(report)],
        ["score", String(report.score)],
        ["grade", report.grade],
      ];
      if (report.requests !== undefined) props.push(["requests", String(report.requests)]);
      for (const [name, value] of props) {
        out.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
      }
      out.push("    </properties>");
    }
    for (const view of items) out.push(...testcase(section.title, view));
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

function isSkipped(view: ItemView): boolean {
  const v = view.result.verdict;
  return v === "not_tested" || v === "not_applicable" || v === "manual" || v === "partial";
}

function testcase(classname: string, view: ItemView): string[] {
  const open = `    <testcase classname="${attr(classname)}" name="${attr(`${view.item.id} ${view.item.title}`)}" time="0"`;
  const details = view.findings.flatMap((f) => [...findingPlainLines(f), ""]);
  switch (view.result.verdict) {
    case "pass":
      return [`${open}/>`];
    case "fail": {
      const worst = view.findings[0];
      const message = worst?.title ?? "failed";
      details.push(`Remediation: ${view.item.remediation}`);
      return [
        `${open}>`,
        `      <failure message="${attr(message)}" type="${attr(worst?.severity ?? "fail")}">${text(details.join("\n"))}</failure>`,
        "    </testcase>",
      ];
    }
    case "warn":
      return [
        `${open}>`,
        `      <system-out>${text(details.join("\n"))}</system-out>`,
        "    </testcase>",
      ];
    default: {
      // A partial item is not a pass: CI shows it skipped, with what was left out.
      const prefix = view.result.verdict === "partial" ? "partial: " : "";
      const reason = `${prefix}${view.result.reason ?? view.result.verdict.replace("_", " ")}`;
      return [`${open}>`, `      <skipped message="${attr(reason)}"/>`, "    </testcase>"];
    }
  }
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
