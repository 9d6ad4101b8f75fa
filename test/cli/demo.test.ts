import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Grade } from "../../src/core/score.js";
import { launchOrSkip } from "../helpers/browser.js";
import { type CliResult, ROOT, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-demo-cli-"));
const output = join(dir, "report.html");
/** From the best grade to the worst. */
const GRADES: readonly Grade[] = ["A+", "A", "B", "C", "D", "F"];
type Grades = { grade: Grade; score: number };

/** The cells of a row of the side-by-side table, e.g. `row(stdout, "grade")`. */
function row(stdout: string, label: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`  ${label} `)) ?? "";
  return line
    .slice(14)
    .trim()
    .split(/\s{2,}/);
}

/** Grade and score of each column. */
function grades(stdout: string): { grade: Grade; score: number }[] {
  return row(stdout, "grade").map((cell) => {
    const [, grade, score] = /^([A-F]\+?) \((\d+)\/100\)$/.exec(cell) ?? [];
    return { grade: grade as Grade, score: Number(score) };
  });
}

describe("rampart demo: flawed, flawed behind the guard, hardened", () => {
  let result: CliResult;
  before(async () => {
    result = await runCli(["demo", "--output", output]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("exits 0 and prints the three columns with a grade each", () => {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /flawed\s+behind guard\s+hardened/);
    const three = grades(result.stdout);
    assert.equal(three.length, 3, result.stdout);
    for (const { grade } of three) assert.ok(GRADES.includes(grade), result.stdout);
  });

  test("the flawed demo behind the guard grades better than the flawed demo alone", () => {
    const [flawed, guarded, hardened] = grades(result.stdout) as [Grades, Grades, Grades];
    const rank = (g: Grades) => GRADES.indexOf(g.grade);
    assert.ok(rank(guarded) <= rank(flawed), result.stdout);
    assert.ok(guarded.score >= flawed.score, result.stdout);
    // Both scores can stop at 0 (the upstream's token flaws are critical and the guard's identity
    // policies are not built yet): the failing items show the guard's share.
    const [failFlawed, failGuarded, failHardened] = row(result.stdout, "failing").map(Number);
    assert.ok((failGuarded as number) < (failFlawed as number), result.stdout);
    assert.equal(failHardened, 0, result.stdout);
    assert.ok(rank(hardened) < rank(guarded), result.stdout);
  });

  // Issue 18: the positive model. These need the intrusive probes (injections, mass assignment):
  // with the safe profile all three columns said not_tested, and the demo showed nothing.
  test("IN-04, EXT-05, OUT-06 and EXT-06 fail on the flawed demo and no longer fail behind the guard", () => {
    const section = result.stdout.split("Items whose verdict differs:\n")[1] ?? "";
    for (const item of ["IN-04", "EXT-05", "OUT-06", "EXT-06"]) {
      const cells = row(section, item);
      assert.equal(
        cells.length,
        3,
        `${item} is not among the items whose verdict differs:\n${result.stdout}`,
      );
      const [flawed, guarded] = cells;
      assert.equal(flawed, "fail", `${item}: ${cells.join(" | ")}`);
      assert.ok(guarded === "pass" || guarded === "partial", `${item}: ${cells.join(" | ")}`);
    }
  });

  test("each item the guard cannot fix at the edge is explained on one line", () => {
    const section = result.stdout.split("why it cannot fix them at the edge:\n")[1] ?? "";
    const lines = section.split("\n").filter((l) => /^ {2}[A-Z]+-\d+ /.test(l));
    assert.ok(lines.length > 0, result.stdout);
    for (const line of lines) assert.match(line, /fix it in the upstream|upstream's design/);
    assert.match(result.stdout, /Note on JWT-01, which the edge cannot fix/);
    // Headers and fingerprints are the guard's job: they never appear there.
    assert.doesNotMatch(section, /^ {2}OUT-0[1-5] /m);
  });

  test("the HTML report exists and carries the three labels", () => {
    assert.ok(existsSync(output));
    const html = readFileSync(output, "utf8");
    for (const label of ["flawed", "behind guard", "hardened"]) assert.ok(html.includes(label));
    assert.match(result.stdout, /Report written to /);
  });

  test("the HTML report renders offline in headless Chromium: grades, verdicts, evidence on demand", async (t) => {
    const browser = await launchOrSkip(t);
    if (!browser) return;
    try {
      const context = await browser.newContext({
        offline: true,
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      // Offline means offline: any request leaving the file is recorded, and must not happen.
      const requested: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith("file://")) requested.push(request.url());
      });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`file://${output}`);
      // The picture in the README: `RAMPART_SCREENSHOT=1 node scripts/run-tests.mjs cli/demo.test`.
      if (process.env.RAMPART_SCREENSHOT === "1")
        await page.screenshot({ path: join(ROOT, "docs", "images", "demo-report.png") });

      const cards = page.locator(".cards .card");
      assert.equal(await cards.count(), 3);
      // The callback runs in the page; its DOM nodes are described structurally (no DOM lib here).
      type Node = { querySelector(s: string): { textContent: string | null } | null };
      const shown = await cards.evaluateAll((nodes) =>
        (nodes as unknown as (Node & { offsetHeight: number })[]).map((n) => ({
          label: n.querySelector(".label")?.textContent,
          grade: n.querySelector(".grade")?.textContent,
          visible: n.offsetHeight > 0,
        })),
      );
      const printed = grades(result.stdout).map((g) => g.grade);
      assert.deepEqual(
        shown.map((c) => [c.label, c.grade, c.visible]),
        ["flawed", "behind guard", "hardened"].map((label, i) => [label, printed[i], true]),
      );

      // A passing item is closed: its evidence appears when it is expanded.
      const item = page.locator("#report-2 details.item.v-pass").first();
      const body = item.locator(".body");
      assert.equal(await body.isVisible(), false);
      await item.locator("summary").click();
      assert.equal(await body.isVisible(), true);
      // A failing item is open, with a finding's evidence on show.
      const failing = page.locator("#report-0 details.item.v-fail").first();
      assert.equal(await failing.evaluate((d) => (d as unknown as { open: boolean }).open), true);
      assert.equal(await failing.locator(".finding").first().isVisible(), true);

      assert.deepEqual(requested, [], "the report loads nothing from the network");
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
