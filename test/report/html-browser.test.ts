import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatReport } from "../../src/report/index.js";
import { launchOrSkip } from "../helpers/browser.js";
import { catalog, scanReport } from "./reports.js";

test("html filters work offline in headless Chromium: severity, verdict and item hide what they leave out", async (t) => {
  const browser = await launchOrSkip(t);
  if (!browser) return;
  const file = join(mkdtempSync(join(tmpdir(), "rampart-html-")), "report.html");
  writeFileSync(file, formatReport(scanReport(), "html", { catalog }));
  try {
    const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file://")) requested.push(request.url());
    });
    await page.goto(`file://${file}`);
    const visibleRows = async () => {
      const rows = page.locator(".index tbody tr");
      const shown: string[] = [];
      for (let i = 0; i < (await rows.count()); i++)
        if (await rows.nth(i).isVisible())
          shown.push((await rows.nth(i).getAttribute("class")) ?? "");
      return shown;
    };
    assert.deepEqual(await visibleRows(), ["f-high", "f-medium", "f-info"]);

    // Severity: unticking high hides its index row and its finding, nothing else.
    await page.locator(".fs-high").uncheck();
    assert.deepEqual(await visibleRows(), ["f-medium", "f-info"]);
    assert.equal(await page.locator("#f1").isVisible(), false);
    assert.equal(await page.locator("#f2").isVisible(), true);
    await page.locator(".fs-high").check();
    assert.equal(await page.locator("#f1").isVisible(), true);

    // Verdict: unticking "not tested" hides the not-tested items; "pass" the passing ones.
    assert.equal(await page.locator("li#ACC-01").isVisible(), true);
    await page.locator(".fv-not_tested").uncheck();
    assert.equal(await page.locator("li#ACC-01").isVisible(), false);
    await page.locator(".fv-pass").uncheck();
    assert.equal(await page.locator("details#IN-02").isVisible(), false);
    assert.equal(await page.locator("details#AUTH-01").isVisible(), true);
    await page.locator(".fv-not_tested").check();
    await page.locator(".fv-pass").check();

    // Item: one item leaves its own details and index rows only.
    await page.locator("select.fi").selectOption("PROC-08");
    assert.deepEqual(await visibleRows(), ["f-medium"]);
    assert.equal(await page.locator("details#PROC-08").isVisible(), true);
    assert.equal(await page.locator("details#AUTH-01").isVisible(), false);
    assert.equal(await page.locator("li#ACC-01").isVisible(), false);
    await page.locator("select.fi").selectOption("");
    assert.deepEqual(await visibleRows(), ["f-high", "f-medium", "f-info"]);

    // The index links to the finding's evidence.
    assert.equal(await page.locator('.index a[href="#f2"]').count(), 1);
    assert.deepEqual(requested, [], "the report loads nothing from the network");
    await context.close();
  } finally {
    await browser.close();
  }
});
