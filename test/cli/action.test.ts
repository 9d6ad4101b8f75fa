import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { fixture, ROOT } from "../helpers/cli.js";

interface Action {
  inputs: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string> }[] };
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as Action;
const script = action.runs.steps.find((s) => s.id === "run")?.run ?? "";

/**
 * Runs the action's script as the runner would, with the inputs as its environment and `rampart`
 * on PATH as the install step leaves it (here: the build in this checkout; scripts/pack-check.mjs
 * runs the install step itself on the packed package).
 */
function runAction(inputs: Record<string, string>): {
  status: number | null;
  dir: string;
  output: string;
  stdout: string;
  summary: string;
} {
  const dir = mkdtempSync(join(tmpdir(), "rampart-action-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(join(ROOT, "dist/src/cli/bin.js"), join(bin, "rampart"));
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_OUTPUT: join(dir, "github-output"),
    GITHUB_STEP_SUMMARY: join(dir, "step-summary.md"),
    RUNNER_TEMP: dir,
  };
  for (const [name, value] of Object.entries(inputs)) env[`RAMPART_${name}`] = value;
  const result = spawnSync("bash", ["-e", "-c", script], { cwd: dir, env, encoding: "utf8" });
  const output = existsSync(env.GITHUB_OUTPUT as string)
    ? readFileSync(env.GITHUB_OUTPUT as string, "utf8")
    : "";
  const summary = existsSync(env.GITHUB_STEP_SUMMARY as string)
    ? readFileSync(env.GITHUB_STEP_SUMMARY as string, "utf8")
    : "";
  return { status: result.status, dir, output, stdout: result.stdout, summary };
}

const DEFAULTS = {
  FAIL_ON: "high",
  CONFIG: "",
  BASELINE: "",
  SARIF: "rampart.sarif",
  JUNIT: "rampart-junit.xml",
  SUMMARY: "true",
  ARGS: "",
};

describe("action.yml (GitHub Action for scan and audit)", () => {
  test("declares the documented inputs, with command and target required", () => {
    assert.equal(action.runs.using, "composite");
    for (const name of [
      "command",
      "target",
      "fail-on",
      "config",
      "baseline",
      "sarif",
      "junit",
      "summary",
      "package",
      "args",
    ])
      assert.ok(action.inputs[name], name);
    assert.equal(action.inputs.command?.required, true);
    assert.equal(action.inputs.target?.required, true);
    assert.equal(action.inputs["fail-on"]?.default, "high");
  });

  test("audit of a clean document: exit 0, SARIF and JUnit written, exit-code output set", () => {
    const run = runAction({
      ...DEFAULTS,
      COMMAND: "audit",
      TARGET: fixture("openapi/rules/clean.yaml"),
      FAIL_ON: "none",
    });
    assert.equal(run.status, 0);
    assert.equal(run.output.trim(), "exit-code=0");
    const sarif = JSON.parse(readFileSync(join(run.dir, "rampart.sarif"), "utf8"));
    assert.equal(sarif.version, "2.1.0");
    assert.match(readFileSync(join(run.dir, "rampart-junit.xml"), "utf8"), /<testsuites/);
  });

  test("audit with findings at fail-on: the step fails with exit 1 and still writes SARIF", () => {
    const run = runAction({
      ...DEFAULTS,
      COMMAND: "audit",
      TARGET: fixture("openapi/rules/basic-auth-scheme.yaml"),
      FAIL_ON: "low",
    });
    assert.equal(run.status, 1);
    assert.equal(run.output.trim(), "exit-code=1");
    const sarif = JSON.parse(readFileSync(join(run.dir, "rampart.sarif"), "utf8"));
    assert.ok(sarif.runs[0].results.length > 0);
  });

  test("findings annotate their file and line, and the Markdown report becomes the job summary", () => {
    const target = fixture("openapi/rules/basic-auth-scheme.yaml");
    const run = runAction({ ...DEFAULTS, COMMAND: "audit", TARGET: target, FAIL_ON: "low" });
    assert.equal(run.status, 1);
    assert.match(
      run.stdout,
      /^::(error|warning|notice) file=[^,]*basic-auth-scheme\.yaml,line=\d+/m,
    );
    assert.match(run.summary, /^#+ .*[Rr]ampart/m);
    assert.match(run.summary, /AUTH-/);
  });

  test("summary: false leaves the job summary alone", () => {
    const target = fixture("openapi/rules/clean.yaml");
    const run = runAction({ ...DEFAULTS, COMMAND: "audit", TARGET: target, SUMMARY: "false" });
    assert.equal(run.status, 0);
    assert.equal(run.summary, "");
  });

  test("an old Node.js is replaced by setup-node, a recent one is kept", () => {
    const check = action.runs.steps.find((s) => s.id === "node")?.run ?? "";
    const ask = (version: string | undefined): string => {
      const dir = mkdtempSync(join(tmpdir(), "rampart-action-node-"));
      const bin = join(dir, "bin");
      mkdirSync(bin);
      // A stand-in `node` that reports the given version; none at all when undefined.
      if (version !== undefined) {
        writeFileSync(join(bin, "node"), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
      }
      const output = join(dir, "out");
      spawnSync("/bin/bash", ["-e", "-c", check], { env: { PATH: bin, GITHUB_OUTPUT: output } });
      return readFileSync(output, "utf8").trim();
    };
    assert.equal(ask("20.17.0"), "ok=false");
    assert.equal(ask("20.18.0"), "ok=true");
    assert.equal(ask("22.1.0"), "ok=true");
    assert.equal(ask("18.20.4"), "ok=false");
    assert.equal(ask(undefined), "ok=false");
  });

  test("an unknown command is refused with exit 2 before anything runs", () => {
    const run = runAction({ ...DEFAULTS, COMMAND: "guard", TARGET: "x" });
    assert.equal(run.status, 2);
    assert.match(run.stdout, /::error::command must be scan or audit/);
  });
});
