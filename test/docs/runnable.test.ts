import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { stringify } from "yaml";
import { startDemoApi } from "../../demo/server.js";
import { ROOT } from "../helpers/cli.js";

/**
 * Docs that run: every shell block of docs/guides/*.md and docs/ci.md whose fence reads
 * "```sh runnable" (optionally "exit=N", the code its last command exits with; 0 when absent) runs
 * in bash (-e, pipefail), as a reader would paste it, in an empty folder where `npx rampart` is this
 * build (node_modules/.bin, npm offline: nothing is fetched) and `openapi.yaml` and `rampart.yaml`
 * are the demo's. Whatever a block starts in the background is stopped after it.
 */

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly exit: number;
}

const FENCE = /^```sh runnable(?: exit=(\d+))?\s*$/;

function runnableBlocks(): Block[] {
  const files = [
    ...readdirSync(join(ROOT, "docs/guides"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/guides/${f}`),
    "docs/ci.md",
  ];
  const blocks: Block[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const fence = FENCE.exec(lines[i] ?? "");
      if (!fence) continue;
      const end = lines.indexOf("```", i + 1);
      assert.ok(end > i, `${file}:${i + 1}: unclosed block`);
      blocks.push({
        file,
        line: i + 1,
        code: lines.slice(i + 1, end).join("\n"),
        exit: Number(fence[1] ?? 0),
      });
      i = end;
    }
  }
  return blocks;
}

/** Runs a block in its own process group; kills the group (background servers) when bash ends. */
function runBlock(
  block: Block,
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    PATH: `${join(cwd, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
  };
  const child = spawn("bash", ["-e", "-o", "pipefail", "-c", block.code], {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on("exit", async (status) => {
      const group = -(child.pid as number);
      try {
        process.kill(group, "SIGTERM");
      } catch {
        // nothing left in the group
      }
      // The next block may bind the same port: wait until the group is gone.
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(group, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      resolve({ status, stdout, stderr });
    });
  });
}

const blocks = runnableBlocks();

describe("docs that run: the guides' and docs/ci.md's runnable shell blocks, against the demo", () => {
  let dir = "";
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-docs-"));
    writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
    mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
    symlinkSync(join(ROOT, "dist/src/cli/bin.js"), join(dir, "node_modules/.bin/rampart"));
    copyFileSync(join(ROOT, "demo/rampart.yaml"), join(dir, "rampart.yaml"));
    const api = await startDemoApi({ flaws: "all", port: 0 });
    try {
      const document = await (await fetch(`${api.url}/openapi.json`)).json();
      writeFileSync(join(dir, "openapi.yaml"), stringify(document));
    } finally {
      await api.close();
    }
  });

  test("each guide and docs/ci.md has runnable blocks", () => {
    const files = new Set(blocks.map((b) => b.file));
    for (const file of [
      "docs/guides/audit.md",
      "docs/guides/checklist.md",
      "docs/guides/guard.md",
      "docs/guides/scan.md",
      "docs/ci.md",
    ])
      assert.ok(files.has(file), `${file} has no \`\`\`sh runnable block`);
  });

  for (const block of blocks) {
    test(`${block.file}:${block.line} exits ${block.exit}`, { timeout: 120_000 }, async () => {
      const result = await runBlock(block, dir);
      const shown = `\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`;
      assert.equal(result.status, block.exit, `${block.file}:${block.line}${shown}`);
      // Exit 1 is findings; an error code would mean the command itself was wrong.
      assert.doesNotMatch(result.stderr, /rampart: ERR_/, shown);
    });
  }
});
