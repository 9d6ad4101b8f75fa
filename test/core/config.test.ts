import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig, loadConfigFile } from "../../src/config.js";
import { RampartError } from "../../src/core/errors.js";
import { parseYaml } from "../../src/core/yaml.js";
import { fixture } from "../helpers/cli.js";

const TODAY = new Date("2026-11-28T12:00:00Z");

function load(text: string) {
  return loadConfig(parseYaml(text, "rampart.yaml"), TODAY);
}

function problemsOf(fn: () => unknown): {
  code: string;
  problems: { path: string; message: string; line?: number }[];
} {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RampartError, `expected a RampartError, got ${String(error)}`);
    return { code: error.code, problems: [...error.problems] };
  }
  assert.fail("expected an error");
}

test("a valid config is returned with defaults applied and deeply frozen", () => {
  const config = load(
    "attest:\n  CI-02:\n    status: done\n    owner: platform-team\n    reviewed: 2026-09-01\n",
  );
  assert.equal(config.checklist.staleAfterDays, 180);
  assert.equal(config.attest?.["CI-02"]?.status, "done");
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.attest?.["CI-02"]));
});

test("an empty file is a valid config", () => {
  assert.equal(load("").checklist.staleAfterDays, 180);
});

test("every problem is reported at once, with its path and line", () => {
  const { code, problems } = problemsOf(() =>
    load(
      [
        "atest: {}", // typo of a top-level key
        "attest:",
        "  FOO-01:",
        "    status: done",
        "  CI-02:",
        "    status: finished",
        "  CI-03:",
        "    status: done",
        "    reviewed: 2026-02-30",
        "  CI-05:",
        "    reviewed: 2026-01-01",
      ].join("\n"),
    ),
  );
  assert.equal(code, "ERR_CONFIG_INVALID");
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
  assert.equal(byPath["/atest"]?.message, 'unknown key "atest"');
  assert.equal(byPath["/atest"]?.line, 1);
  assert.equal(byPath["/attest/FOO-01"]?.message, 'unknown checklist item id "FOO-01"');
  assert.equal(byPath["/attest/FOO-01"]?.line, 3);
  assert.equal(
    byPath["/attest/CI-02/status"]?.message,
    'must be one of done, not_done, not_applicable (got "finished")',
  );
  assert.equal(byPath["/attest/CI-02/status"]?.line, 6);
  assert.equal(
    byPath["/attest/CI-03/reviewed"]?.message,
    'must be a valid date (YYYY-MM-DD) (got "2026-02-30")',
  );
  assert.equal(byPath["/attest/CI-05"]?.message, 'missing required key "status"');
  assert.equal(problems.length, 5);
});

test("a review date in the future is refused", () => {
  const { code, problems } = problemsOf(() =>
    load("attest:\n  CI-02:\n    status: done\n    reviewed: 2027-01-01\n"),
  );
  assert.equal(code, "ERR_CONFIG_INVALID");
  assert.deepEqual(
    problems.map((p) => [p.path, p.message, p.line]),
    [["/attest/CI-02/reviewed", "review date 2027-01-01 is in the future", 4]],
  );
});

test("wrong types are named in plain words", () => {
  const { problems } = problemsOf(() => load("checklist:\n  staleAfterDays: soon\n"));
  assert.deepEqual(
    problems.map((p) => p.message),
    ['must be an integer (got "soon")'],
  );
});

test("YAML syntax errors carry their line and column", () => {
  const { code, problems } = problemsOf(() => load("attest:\n  CI-02: [unclosed\n"));
  assert.equal(code, "ERR_CONFIG_PARSE");
  assert.ok(problems.length >= 1);
  assert.equal(typeof problems[0]?.line, "number");
});

test("duplicate keys are a parse error, not a silent override", () => {
  const { code } = problemsOf(() => load("checklist: {}\nchecklist: {}\n"));
  assert.equal(code, "ERR_CONFIG_PARSE");
});

test("yaml bomb: exponential aliases fail fast with ERR_CONFIG_PARSE", () => {
  const started = Date.now();
  assert.throws(
    () => loadConfigFile(fixture("config/yaml-bomb.yaml"), TODAY),
    (error: unknown) => {
      assert.ok(error instanceof RampartError);
      assert.equal(error.code, "ERR_CONFIG_PARSE");
      assert.match(error.message, /aliases expand beyond the limit of 100/);
      return true;
    },
  );
  // Not a timing assertion on speed, a guard against a hang: the limit stops the expansion early.
  assert.ok(Date.now() - started < 5000);
});

test("a missing config file is ERR_CONFIG_READ", () => {
  assert.throws(() => loadConfigFile(fixture("config/nope.yaml"), TODAY), {
    code: "ERR_CONFIG_READ",
    message: "no such file",
  });
});

test("a pattern with a message in words is reported in words, not as a regular expression", () => {
  const { problems } = problemsOf(() =>
    load("guard:\n  listen: nope\n  upstream: http://127.0.0.1:3000\n"),
  );
  assert.deepEqual(
    problems.map((p) => [p.path, p.message, p.line]),
    [
      [
        "/guard/listen",
        'must be a HOST:PORT address such as 127.0.0.1:8080 (port 0 to 65535) (got "nope")',
        2,
      ],
    ],
  );
});
