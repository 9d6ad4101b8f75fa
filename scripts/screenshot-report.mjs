// Takes docs/images/scan-report.png, the picture of the HTML report in docs/ci.md: starts the
// flawed demo API, scans it with demo/rampart.yaml (safe profile), writes the HTML report and
// photographs its top (summary, filters, index of findings) in headless Chromium, offline.
//
// Usage: node scripts/screenshot-report.mjs   (after `npm run build`; Debian's chromium, or
// CHROMIUM_PATH)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "dist/src/cli/bin.js");
const html = join(mkdtempSync(join(tmpdir(), "rampart-shot-")), "report.html");
const output = join(root, "docs/images/scan-report.png");

const api = spawn(process.execPath, [bin, "demo-api", "--flaws", "all", "--port", "0"], {
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const url = await new Promise((resolve, reject) => {
    let seen = "";
    api.stdout.on("data", (chunk) => {
      seen += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(seen);
      if (found) resolve(found[0]);
    });
    api.on("exit", (code) => reject(new Error(`demo-api exited with ${code}`)));
  });
  const scan = spawnSync(
    process.execPath,
    [
      bin,
      "scan",
      url,
      "-c",
      join(root, "demo/rampart.yaml"),
      "--fail-on",
      "none",
      "-o",
      `html=${html}`,
    ],
    { stdio: "inherit" },
  );
  if (scan.status !== 0) throw new Error(`scan exited with ${scan.status}`);
  const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find(
    (p) => p !== undefined && existsSync(p),
  );
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const context = await browser.newContext({
      offline: true,
      viewport: { width: 1200, height: 1400 },
    });
    const page = await context.newPage();
    await page.goto(`file://${html}`);
    await page.screenshot({ path: output });
    console.log(`wrote ${output}`);
  } finally {
    await browser.close();
  }
} finally {
  api.kill();
}
