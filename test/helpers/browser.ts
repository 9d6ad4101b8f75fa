import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH. */
const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * Headless Chromium driven by playwright-core, or undefined with the test skipped when no browser
 * is installed. With RAMPART_REQUIRE_BROWSER=1 (CI) a missing browser fails the test instead.
 */
export async function launchOrSkip(t: TestContext): Promise<Browser | undefined> {
  const executablePath = CANDIDATES.find((p): p is string => p !== undefined && existsSync(p));
  if (!executablePath) {
    const message =
      "no Chromium found (apt-get install chromium, or set CHROMIUM_PATH): browser test skipped";
    if (process.env.RAMPART_REQUIRE_BROWSER === "1") throw new Error(message);
    t.skip(message);
    return undefined;
  }
  return chromium.launch({
    executablePath,
    headless: true,
    // Containers without user namespaces cannot start Chromium's sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}
