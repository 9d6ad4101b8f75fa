// Scores `rampart scan` against the third-party corpus (bench/corpus/README.md): starts each
// target from its target.json, scans it as a user would (the CLI, --profile full, the target's
// rampart.yaml), and compares every item's verdict with the ground truth.
//
// Usage: npm run build && node dist/bench/corpus/score.js [--only a,b] [--corpus DIR]
//          [--profile full|safe] [--max-requests 2000] [--json FILE] [--keep DIR]
//        node dist/bench/corpus/score.js --rescore DIR   (the reports a run kept, against today's truth)
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const TARGETS = join(ROOT, "bench/corpus/targets");
const BIN = join(ROOT, "dist/src/cli/bin.js");

/** Verdicts of the ground truth; `skip` is not scored. */
type TruthVerdict = "fail" | "pass" | "n/a" | "skip";

interface TruthItem {
  readonly verdict: TruthVerdict;
  readonly where?: string;
  readonly why?: string;
}

interface Truth {
  readonly target: string;
  readonly kind: "vulnerable" | "ordinary";
  readonly items: Readonly<Record<string, TruthItem>>;
}

interface TargetSpec {
  readonly name: string;
  readonly url: string;
  readonly start: string;
  readonly ready?: string;
  readonly openapi?: string;
  /** A Postman collection the project ships, when it has no OpenAPI document. */
  readonly postman?: string;
}

interface ReportItem {
  readonly id: string;
  readonly verdict: string;
  readonly reason?: string;
}

/** One item of one target: what the truth says and what the scan said. */
export interface Comparison {
  readonly item: string;
  readonly truth: TruthVerdict;
  readonly scan: string;
  readonly outcome: "found" | "missed" | "false-pass" | "false-positive" | "agree" | "unscored";
}

export interface TargetScore {
  readonly name: string;
  readonly kind: string;
  readonly expected: number;
  readonly found: number;
  readonly falsePasses: readonly string[];
  readonly falsePositives: readonly string[];
  readonly missed: readonly string[];
  readonly requests: number;
  readonly seconds: number;
  readonly grade: string;
  readonly exitCode: number;
  readonly comparisons: readonly Comparison[];
  readonly error?: string;
}

const REPORTED = new Set(["fail", "warn"]);

/**
 * Compares a report's item verdicts with a truth file: found (a failing item reported fail or
 * warn), false pass (a failing item reported pass), false positive (a passing item reported fail
 * or warn), missed (a failing item reported partial, not_tested or not_applicable).
 */
export function compare(truth: Truth, items: readonly ReportItem[]): Comparison[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  return Object.entries(truth.items).map(([item, t]): Comparison => {
    const scan = byId.get(item)?.verdict ?? "absent";
    if (t.verdict === "skip") return { item, truth: t.verdict, scan, outcome: "unscored" };
    if (t.verdict === "fail") {
      if (REPORTED.has(scan)) return { item, truth: t.verdict, scan, outcome: "found" };
      if (scan === "pass") return { item, truth: t.verdict, scan, outcome: "false-pass" };
      return { item, truth: t.verdict, scan, outcome: "missed" };
    }
    if (REPORTED.has(scan)) return { item, truth: t.verdict, scan, outcome: "false-positive" };
    return { item, truth: t.verdict, scan, outcome: "agree" };
  });
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function loadTruth(name: string): Truth {
  return parse(readFileSync(join(TARGETS, name, "truth.yaml"), "utf8")) as Truth;
}

/** True when anything answers HTTP at the URL. */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`start script exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready within ${timeoutMs / 1000} s: ${url}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.pid === undefined) return done();
    child.once("exit", () => done());
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return done();
    }
    setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }, 3000).unref();
  });
}

function runCli(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("exit", (code) => done({ code: code ?? 70, stderr }));
  });
}

async function scoreTarget(
  name: string,
  corpus: string,
  settings: { profile: string; maxRequests: string; keep: string },
): Promise<TargetScore> {
  const truth = loadTruth(name);
  const specFile = join(corpus, name, "target.json");
  if (!existsSync(specFile)) return unscored(name, truth.kind, `not built (${specFile})`);
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as TargetSpec;
  // A server left over from another run would be scanned in place of the one start.sh builds.
  if (await answers(spec.url))
    return unscored(name, truth.kind, `something already answers at ${spec.url}; stop it first`);
  const log = join(settings.keep, `${name}.server.log`);
  const out = openSync(log, "w");
  const child = spawn("bash", [spec.start], { detached: true, stdio: ["ignore", out, out] });
  try {
    await waitReady(new URL(spec.ready ?? "/", spec.url).href, child, 90_000);
    const reportFile = join(settings.keep, `${name}.json`);
    const args = [
      "scan",
      spec.url,
      "--profile",
      settings.profile,
      "--max-requests",
      settings.maxRequests,
      "--config",
      join(TARGETS, name, "rampart.yaml"),
      "--fail-on",
      "none",
      "-o",
      `json=${reportFile}`,
      ...(spec.openapi ? ["--openapi", spec.openapi] : []),
      ...(spec.postman ? ["--postman", spec.postman] : []),
    ];
    const started = performance.now();
    const { code, stderr } = await runCli(args);
    const seconds = (performance.now() - started) / 1000;
    if (!existsSync(reportFile) || code >= 2) {
      const line = stderr.trim().split("\n").pop() ?? "";
      return { ...unscored(name, truth.kind, line), exitCode: code, seconds };
    }
    return { ...scoreReport(name, truth, reportFile), seconds, exitCode: code };
  } catch (error) {
    return unscored(name, truth.kind, error instanceof Error ? error.message : String(error));
  } finally {
    await stop(child);
  }
}

function table(scores: readonly TargetScore[]): string {
  const rows = [
    "| target | kind | found / expected | false passes | false positives | requests | seconds | grade |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const s of scores) {
    if (s.error) {
      rows.push(`| ${s.name} | ${s.kind} | error: ${s.error} | | | | | |`);
      continue;
    }
    const list = (xs: readonly string[]) => (xs.length ? `${xs.length}: ${xs.join(", ")}` : "0");
    rows.push(
      `| ${s.name} | ${s.kind} | ${s.found} / ${s.expected} | ${list(s.falsePasses)} | ${list(s.falsePositives)} | ${s.requests} | ${s.seconds.toFixed(1)} | ${s.grade} |`,
    );
  }
  const ok = scores.filter((s) => !s.error);
  const sum = (f: (s: TargetScore) => number) => ok.reduce((n, s) => n + f(s), 0);
  const expected = sum((s) => s.expected);
  rows.push(
    `| **all** | | **${sum((s) => s.found)} / ${expected}** (${expected ? Math.round((100 * sum((s) => s.found)) / expected) : 0}%) | **${sum((s) => s.falsePasses.length)}** | **${sum((s) => s.falsePositives.length)}** | ${sum((s) => s.requests)} | ${sum((s) => s.seconds).toFixed(1)} | |`,
  );
  return rows.join("\n");
}

/** Scores reports an earlier run kept (`<name>.json` in DIR) against the truth as it is now. */
function rescore(name: string, dir: string): TargetScore {
  const truth = loadTruth(name);
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return unscored(name, truth.kind, `no report kept (${file})`);
  return scoreReport(name, truth, file);
}

/** A kept JSON report compared with the truth (its own duration as the time taken). */
function scoreReport(name: string, truth: Truth, file: string): TargetScore {
  const report = JSON.parse(readFileSync(file, "utf8")) as {
    items: ReportItem[];
    requests: number;
    grade: string;
    durationMs: number;
  };
  const comparisons = compare(truth, report.items);
  const pick = (o: Comparison["outcome"]) =>
    comparisons.filter((c) => c.outcome === o).map((c) => c.item);
  return {
    name,
    kind: truth.kind,
    expected: comparisons.filter((c) => c.truth === "fail").length,
    found: pick("found").length,
    falsePasses: pick("false-pass"),
    falsePositives: pick("false-positive"),
    missed: pick("missed"),
    requests: report.requests,
    seconds: report.durationMs / 1000,
    grade: report.grade,
    exitCode: 0,
    comparisons,
  };
}

/** A target that could not be scored, and why. */
function unscored(name: string, kind: string, error: string): TargetScore {
  return {
    name,
    kind,
    expected: 0,
    found: 0,
    falsePasses: [],
    falsePositives: [],
    missed: [],
    requests: 0,
    seconds: 0,
    grade: "-",
    exitCode: -1,
    comparisons: [],
    error,
  };
}

async function main(): Promise<void> {
  const corpus = option("--corpus") ?? process.env.RAMPART_CORPUS ?? "/work/corpus";
  const only = option("--only")?.split(",");
  const keep = resolve(option("--keep") ?? join(ROOT, "dist/bench/corpus/runs"));
  mkdirSync(keep, { recursive: true });
  const names = readdirSync(TARGETS)
    .filter((n) => existsSync(join(TARGETS, n, "truth.yaml")))
    .filter((n) => !only || only.includes(n))
    .sort();
  const settings = {
    profile: option("--profile") ?? "full",
    maxRequests: option("--max-requests") ?? "2000",
    keep,
  };
  const scores: TargetScore[] = [];
  const again = option("--rescore");
  for (const name of again ? names : []) scores.push(rescore(name, resolve(again as string)));
  for (const name of again ? [] : names) {
    process.stderr.write(`corpus: ${name} ...\n`);
    const score = await scoreTarget(name, corpus, settings);
    process.stderr.write(
      score.error
        ? `corpus: ${name}: ${score.error}\n`
        : `corpus: ${name}: ${score.found}/${score.expected} found, ${score.falsePasses.length} false passes, ${score.falsePositives.length} false positives\n`,
    );
    scores.push(score);
  }
  process.stdout.write(`${table(scores)}\n`);
  for (const s of scores) {
    if (s.error) continue;
    const detail = (label: string, xs: readonly string[]) =>
      xs.length ? `  ${label}: ${xs.join(", ")}\n` : "";
    process.stdout.write(
      `\n${s.name}:\n${detail("false passes", s.falsePasses)}${detail("false positives", s.falsePositives)}${detail("missed", s.missed)}`,
    );
  }
  const json = option("--json");
  if (json) writeFileSync(json, `${JSON.stringify(scores, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
