import type { Catalog } from "../catalog/catalog.js";
import { VERDICTS } from "../core/finding.js";
import { SEVERITIES } from "../core/severity.js";

/**
 * The HTML report's style sheet, inline in the page. The filters are CSS only (checkboxes and a
 * select read with `:has()`), so that they work offline and where scripts are blocked (a report
 * opened from a CI artifact or a mail); a browser without `:has()` shows everything. Each rule is
 * scoped to its report (`.rep`), so the reports of a comparison filter independently.
 *
 * @example
 * ```ts
 * `<style>${htmlCss(catalog)}</style>`;
 * ```
 */
export function htmlCss(catalog: Catalog): string {
  const severity = SEVERITIES.map((s) => `.rep:has(.fs-${s}:not(:checked)) .f-${s}`).join(",\n");
  const verdict = VERDICTS.map(
    (v) => `.rep:has(.fv-${v}:not(:checked)) [data-verdict="${v}"]`,
  ).join(",\n");
  // Item ids are catalog data ([A-Z]+-NN), safe inside a quoted attribute selector.
  const item = catalog.items
    .map(
      (i) =>
        `.rep:has(.fi option[value="${i.id}"]:checked) [data-items]:not([data-items~="${i.id}"])`,
    )
    .join(",\n");
  return `${BASE_CSS}${severity},\n${verdict},\n${item}{display:none}\n`;
}

const BASE_CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;
--critical:#8b0000;--high:#d1242f;--medium:#bc4c00;--low:#0969da;--info:#57606a;
--pass:#1a7f37;--fail:#d1242f;--warn:#9a6700;--na:#6e7781;--nt:#57606a;--manual:#8250df;--partial:#bc4c00}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px}
h1,h2,h3,h4{line-height:1.25}
h2{border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:32px}
h4{margin:8px 0 4px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px;white-space:pre-wrap;word-break:break-all;max-height:320px;overflow:auto}
a{color:var(--low)}
.head{display:flex;gap:24px;align-items:center}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}
.facts dt{color:var(--muted)}.facts dd{margin:0;word-break:break-all}
.grade{display:inline-flex;align-items:center;justify-content:center;font-weight:700;border-radius:12px;color:#fff;min-width:56px;padding:4px 10px}
.grade.big{font-size:64px;min-width:120px;height:120px}
.g-aplus,.g-a{background:var(--pass)}.g-b{background:#4d7c0f}.g-c{background:var(--warn)}.g-d{background:var(--medium)}.g-f{background:var(--fail)}
.tallies{display:flex;flex-wrap:wrap;gap:24px}
.tally{border-collapse:collapse}.tally th{background:var(--soft)}.tally td.n{text-align:right;font-weight:700;min-width:3em}
.badge,.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;text-transform:uppercase;letter-spacing:.03em}
.badge.v-pass{background:var(--pass)}.badge.v-fail{background:var(--fail)}.badge.v-warn{background:var(--warn)}
.badge.v-partial{background:var(--partial)}.badge.v-not_applicable{background:var(--na)}.badge.v-not_tested{background:var(--nt)}.badge.v-manual{background:var(--manual)}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.filters{position:sticky;top:0;z-index:1;background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin-top:24px;display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center}
.filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center}
.filters legend{float:left;font-weight:600;margin-right:8px}
.filters label{white-space:nowrap;font-size:13px}
.index table{width:100%}.index td:nth-child(2){white-space:nowrap}.index th:nth-child(3){width:45%}.index td code{word-break:break-all}
details.item{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:var(--bg)}
details.item>summary{cursor:pointer;padding:6px 10px;list-style-position:inside}
details.item.v-fail{border-left:4px solid var(--fail)}details.item.v-warn{border-left:4px solid var(--warn)}details.item.v-pass{border-left:4px solid var(--pass)}
.body{padding:0 14px 10px}
.check{border-top:1px solid var(--line);margin-top:8px;padding-top:4px}
.finding{border-left:3px solid var(--line);padding-left:10px;margin:8px 0}
.finding.f-critical,.finding.f-high{border-left-color:var(--high)}.finding.f-medium{border-left-color:var(--medium)}
.check-id,.count,.loc,.refs,.reason,.hint,.seealso{color:var(--muted);font-size:13px}
.coverage li.short{color:var(--medium)}.warning{color:var(--warn);font-weight:600}
.evidence{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}.evidence dd{margin:0;word-break:break-all}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top;font-size:13px}
table.headers td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.untested li{margin:4px 0}
.cards{display:flex;gap:16px;flex-wrap:wrap}
.card{display:flex;flex-direction:column;align-items:center;gap:4px;border:1px solid var(--line);border-radius:8px;padding:12px 24px;color:inherit;text-decoration:none}
.card .grade{font-size:48px;min-width:96px}.card .label{font-weight:700;font-size:18px}.card .target{color:var(--muted);font-size:12px}
.report{border-top:3px solid var(--line);margin-top:40px}
footer{margin-top:40px;color:var(--muted);font-size:12px}
@media print{main{max-width:none;padding:0}.filters{display:none}details.item{break-inside:avoid}pre{max-height:none}.badge,.sev,.grade{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;
