// Signal over noise on `rampart audit` (issue 16, item 3): what is shown (--min-severity,
// --quiet, --show-info), what runs (--rules / --skip-rules), and each finding listed once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";

const MIXED = "test/fixtures/openapi/signal/mixed.yaml";

interface JsonFinding {
  readonly id: string;
  readonly checkId: string;
  readonly severity: string;
  readonly items: string[];
}
interface JsonItem {
  readonly id: string;
  readonly verdict: string;
  readonly findings: string[];
  readonly related?: string[];
}
interface JsonReport {
  readonly score: number;
  readonly grade: string;
  readonly notes?: string[];
  readonly items: JsonItem[];
  readonly findings: JsonFinding[];
  readonly checks: { id: string }[];
}

async function audit(...args: string[]) {
  const result = await runCli(["audit", MIXED, "--format", "json", ...args]);
  return { ...result, report: JSON.parse(result.stdout) as JsonReport };
}

const severities = (r: JsonReport) => [...new Set(r.findings.map((f) => f.severity))].sort();

describe("--min-severity: what is shown, apart from --fail-on", () => {
  it("shows findings of every severity without it", async () => {
    const { report } = await audit();
    assert.deepEqual(severities(report), ["high", "info", "low", "medium"]);
  });

  it("leaves out findings below it, says how many, and keeps verdicts, score and exit code", async () => {
    const all = await audit();
    const shown = await audit("--min-severity", "medium");
    assert.deepEqual(severities(shown.report), ["high", "medium"]);
    assert.equal(shown.report.score, all.report.score);
    const verdicts = (r: JsonReport) => r.items.map((i) => `${i.id}:${i.verdict}`);
    assert.deepEqual(verdicts(shown.report), verdicts(all.report));
    const hidden = all.report.findings.length - shown.report.findings.length;
    assert.ok(
      shown.report.notes?.some((n) => n.startsWith(`${hidden} findings below medium not shown`)),
    );
    assert.equal(shown.code, 1);
  });

  it("does not change the exit code: a hidden high finding still fails the run", async () => {
    const shown = await audit("--min-severity", "critical");
    assert.deepEqual(shown.report.findings, []);
    assert.equal(shown.code, 1);
    const relaxed = await audit("--min-severity", "critical", "--fail-on", "none");
    assert.equal(relaxed.code, 0);
  });

  it("applies to the text report too", async () => {
    const text = await runCli(["audit", MIXED, "--min-severity", "high"]);
    assert.match(text.stdout, /\[secret-in-url\]/);
    assert.doesNotMatch(text.stdout, /\[unbounded-input\]|\[no-rate-limit\]/);
    assert.match(text.stdout, /Note: \d+ findings below high not shown/);
  });

  it("refuses a severity that does not exist (exit 2, one line)", async () => {
    const { code, stderr } = await runCli(["audit", MIXED, "--min-severity", "severe"]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      'rampart: ERR_USAGE --min-severity must be critical, high, medium, low or info (got "severe")\n',
    );
  });
});

describe("--quiet", () => {
  it("prints only the findings that fail the run, one line each", async () => {
    const { code, stdout, stderr } = await runCli(["audit", MIXED, "--quiet"]);
    assert.equal(code, 1);
    assert.equal(stderr, "");
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? "",
      /^high {5}secret-in-url {2}test\/fixtures\/openapi\/signal\/mixed\.yaml:11:11 \/paths\/~1items\/get\/parameters\/0 {2}Credential in the URL$/,
    );
  });

  it("follows --fail-on, and prints nothing when nothing fails", async () => {
    const medium = await runCli(["audit", MIXED, "-q", "--fail-on", "medium"]);
    assert.equal(medium.stdout.trimEnd().split("\n").length, 2);
    const clean = await runCli(["audit", "test/fixtures/openapi/rules/clean.yaml", "--quiet"]);
    assert.equal(clean.code, 0);
    assert.equal(clean.stdout, "");
  });

  it("silences the notices on stderr that the full report prints", async () => {
    const args = [
      "audit",
      "test/fixtures/openapi/rules/basic-auth-scheme.yaml",
      "--config",
      "test/fixtures/openapi/config/ignore.yaml",
    ];
    const loud = await runCli(args);
    assert.equal(loud.stderr, "1 finding(s) suppressed with a reason\n");
    const quiet = await runCli([...args, "--quiet"]);
    assert.equal(quiet.stderr, "");
    assert.equal(quiet.stdout, "");
  });

  it("leaves a report written to a file or in another format whole", async () => {
    const { stdout } = await runCli(["audit", MIXED, "--quiet", "--format", "json"]);
    assert.ok(JSON.parse(stdout).findings.length > 1);
  });
});

describe("info findings in the text report", () => {
  it("are summed up per rule and item by default", async () => {
    const { stdout } = await runCli(["audit", MIXED]);
    assert.match(stdout, /INFO {5}Request input without bounds \[unbounded-input\] × 2\n/);
    assert.match(stdout, /first at test\/fixtures\/openapi\/signal\/mixed\.yaml:27:23/);
    assert.doesNotMatch(stdout, /Request property "note" has no maxLength/);
    assert.match(stdout, /4 info findings summed up per rule; --show-info lists each one\./);
  });

  it("are each listed with --show-info", async () => {
    const { stdout } = await runCli(["audit", MIXED, "--show-info"]);
    assert.match(stdout, /Request property "name" has no maxLength\./);
    assert.match(stdout, /Request property "note" has no maxLength\./);
    assert.doesNotMatch(stdout, /× 2|summed up/);
  });
});

describe("each finding listed once, under its primary item", () => {
  it("lists unbounded-input under IN-04 and names it as related on EXT-06", async () => {
    const { report } = await audit();
    const unbounded = report.findings.filter((f) => f.checkId === "unbounded-input");
    assert.ok(unbounded.every((f) => f.items[0] === "IN-04" && f.items.includes("EXT-06")));
    const ids = unbounded.map((f) => f.id).sort();
    const item = (id: string) => report.items.find((i) => i.id === id) as JsonItem;
    assert.deepEqual(
      item("IN-04")
        .findings.filter((id) => ids.includes(id))
        .sort(),
      ids,
    );
    assert.deepEqual(item("EXT-06").findings, []);
    assert.deepEqual([...(item("EXT-06").related ?? [])].sort(), ids);
    // The related item still fails: the weakness bears on it.
    assert.equal(item("EXT-06").verdict, "fail");
    const listed = report.items.flatMap((i) => i.findings);
    assert.equal(listed.length, new Set(listed).size, "no finding is listed under two items");
  });

  it("prints the finding once in the text report, and a related line on the other item", async () => {
    const { stdout } = await runCli(["audit", MIXED, "--show-info"]);
    assert.equal(stdout.match(/query parameter "per_page" has no maximum/g)?.length, 1);
    assert.match(
      stdout,
      /EXT-06[^\n]*\n {4}related {2}3 finding\(s\) of unbounded-input, listed under IN-04/,
    );
  });
});

describe("related findings in the other formats", () => {
  it("the markdown and HTML reports name them under the related item", async () => {
    const md = await runCli(["audit", MIXED, "--format", "markdown"]);
    assert.match(md.stdout, /- related: 3 finding\(s\) of unbounded-input, listed under IN-04/);
    const html = await runCli(["audit", MIXED, "--format", "html"]);
    assert.match(html.stdout, /Related: 3 finding\(s\) of unbounded-input, listed under IN-04/);
  });

  it("JUnit fails the related item with the finding's details when it fails the run", async () => {
    const { stdout } = await runCli(["audit", MIXED, "--format", "junit", "--fail-on", "medium"]);
    const ext06 = stdout.slice(stdout.indexOf('name="EXT-06'));
    assert.match(
      ext06.slice(0, ext06.indexOf("</testcase>")),
      /<failure message="Request input without bounds" type="medium">/,
    );
  });
});

describe("--rules / --skip-rules", () => {
  const ran = (r: JsonReport) => r.checks.map((c) => c.id).sort();

  it("runs every rule without them", async () => {
    const { report } = await audit();
    assert.equal(report.checks.length, 22);
  });

  it("runs only the rules named by id, tag or checklist item", async () => {
    assert.deepEqual(ran((await audit("--rules", "secret-in-url")).report), ["secret-in-url"]);
    assert.deepEqual(ran((await audit("--rules", "secrets")).report), [
      "secret-in-response",
      "secret-in-url",
      "secret-not-write-only",
    ]);
    assert.deepEqual(ran((await audit("--rules", "in-05,ACC-01")).report), [
      "no-rate-limit",
      "secret-in-url",
    ]);
    const only = await audit("--rules", "input", "--rules", "secret-in-url");
    assert.ok(
      only.report.findings.every((f) => ["unbounded-input", "secret-in-url"].includes(f.checkId)),
    );
  });

  it("leaves out the rules named, and items nothing ran for are not tested", async () => {
    const { report, code } = await audit("--skip-rules", "secret-in-url");
    assert.ok(!ran(report).includes("secret-in-url"));
    assert.ok(!report.findings.some((f) => f.checkId === "secret-in-url"));
    assert.equal(report.items.find((i) => i.id === "IN-05")?.verdict, "not_tested");
    assert.equal(code, 0, "the only high finding was skipped");
    const both = await audit("--rules", "secrets", "--skip-rules", "secret-in-response");
    assert.deepEqual(ran(both.report), ["secret-in-url", "secret-not-write-only"]);
  });

  it("scores only what ran", async () => {
    const all = await audit();
    const skipped = await audit("--skip-rules", "secret-in-url");
    assert.ok(skipped.report.score > all.report.score);
  });

  it("refuses a selector that matches no rule, naming the closest (exit 2)", async () => {
    const typo = await runCli(["audit", MIXED, "--rules", "secret-in-ur"]);
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /^rampart: ERR_USAGE --rules "secret-in-ur": not a rule id, tag or checklist item id; did you mean "secret-in-url"\?/,
    );
    const item = await runCli(["audit", MIXED, "--skip-rules", "JWT-01"]);
    assert.equal(item.code, 2);
    assert.match(item.stderr, /--skip-rules "JWT-01": no audit rule covers JWT-01/);
  });
});
