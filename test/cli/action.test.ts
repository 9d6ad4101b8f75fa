import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
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

/** Runs the action's script as the runner would, with the inputs as its environment. */
function runAction(inputs: Record<string, string>): {
  status: number | null;
  dir: string;
  output: string;
  stdout: string;
} {
  const dir = mkdtempSync(join(tmpdir(), "rampart-action-"));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_OUTPUT: join(dir, "github-output"),
  };
  for (const [name, value] of Object.entries(inputs)) env[`RAMPART_${name}`] = value;
  const result = spawnSync("bash", ["-e", "-c", script], { cwd: dir, env, encoding: "utf8" });
  const output = existsSync(env.GITHUB_OUTPUT as string)
    ? readFileSync(env.GITHUB_OUTPUT as string, "utf8")
    : "";
  return { status: result.status, dir, output, stdout: result.stdout };
}

const DEFAULTS = {
  FAIL_ON: "high",
  CONFIG: "",
  BASELINE: "",
  SARIF: "rampart.sarif",
  JUNIT: "rampart-junit.xml",
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

  test("an unknown command is refused with exit 2 before anything runs", () => {
    const run = runAction({ ...DEFAULTS, COMMAND: "guard", TARGET: "x" });
    assert.equal(run.status, 2);
    assert.match(run.stdout, /::error::command must be scan or audit/);
  });
});
