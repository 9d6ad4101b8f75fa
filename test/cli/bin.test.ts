import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers/cli.js";

const BIN = join(ROOT, "dist", "src", "cli", "bin.js");

function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("the installed bin prints the checklist as JSON and exits 0", async () => {
  const { code, stdout } = await runBin(["checklist", "--format", "json"]);
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout).items.length, 58);
});

test("the bin answers bad input with one line and exit 2, never a stack trace", async () => {
  const { code, stdout, stderr } = await runBin(["demo-api", "--flaws", "alg-none,bogus,xxe,nope"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(
    stderr,
    'rampart: ERR_DEMO_FLAW_UNKNOWN unknown flaw "bogus", "nope" (see rampart demo-api --list-flaws)\n',
  );
});

test("demo-api --port 99999 is a usage error", async () => {
  const { code, stderr } = await runBin(["demo-api", "--port", "99999"]);
  assert.equal(code, 2);
  assert.equal(stderr, 'rampart: ERR_USAGE --port must be a port number 0-65535 (got "99999")\n');
});

test("demo-api --list-flaws lists every switch with the items it breaks", async () => {
  const { code, stdout } = await runBin(["demo-api", "--list-flaws"]);
  assert.equal(code, 0);
  assert.match(stdout, /^alg-none\s+JWT-02\s+unsigned tokens/m);
  assert.match(stdout, /^xxe\s+PROC-04\s+/m);
});

test("demo-api serves on loopback and stops cleanly on SIGTERM", async () => {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, "demo-api", "--flaws", "none", "--port", "0"],
    {
      env: { PATH: process.env.PATH ?? "" },
    },
  );
  try {
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (d) => {
        out += d;
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (match) resolve(match[0]);
      });
      child.once("exit", () => reject(new Error(`demo-api exited early: ${out}`)));
    });
    assert.match(out, /hardened twin/);
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
