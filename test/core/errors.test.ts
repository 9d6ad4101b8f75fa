import assert from "node:assert/strict";
import { test } from "node:test";
import { ERROR_CODES, formatError, RampartError } from "../../src/core/errors.js";

test("RampartError carries its code, source, problems and exit code", () => {
  const error = new RampartError("ERR_CONFIG_INVALID", "2 problems", {
    source: "rampart.yaml",
    problems: [{ path: "/attest/X", message: "unknown", line: 3, column: 3 }],
  });
  assert.equal(error.code, "ERR_CONFIG_INVALID");
  assert.equal(error.exitCode, 2);
  assert.equal(error.problems.length, 1);
  assert.ok(Object.isFrozen(error.problems));
});

test("an unknown error code is a TypeError (misuse of the API)", () => {
  assert.throws(() => new RampartError("ERR_NOPE" as never, "x"), {
    name: "TypeError",
    message: "unknown error code ERR_NOPE",
  });
});

test("exit codes follow DESIGN.md: 2 for input errors, 3 for an unreachable target", () => {
  assert.equal(ERROR_CODES.ERR_USAGE.exit, 2);
  assert.equal(ERROR_CODES.ERR_CONFIG_PARSE.exit, 2);
  assert.equal(ERROR_CODES.ERR_TARGET_UNREACHABLE.exit, 3);
});

test("formatError prints one line per problem with file:line:column and never a stack", () => {
  const text = formatError(
    new RampartError("ERR_CONFIG_INVALID", "2 problems", {
      source: "rampart.yaml",
      problems: [
        {
          path: "/attest/FOO-01",
          message: 'unknown checklist item id "FOO-01"',
          line: 2,
          column: 3,
        },
        { path: "/attest/CI-02/status", message: "must be one of done", line: 4, column: 13 },
      ],
    }),
  );
  assert.equal(
    text,
    [
      "rampart: ERR_CONFIG_INVALID rampart.yaml: 2 problems",
      '  rampart.yaml:2:3 /attest/FOO-01: unknown checklist item id "FOO-01"',
      "  rampart.yaml:4:13 /attest/CI-02/status: must be one of done",
    ].join("\n"),
  );
  assert.doesNotMatch(text, /\n\s+at /);
});

test("formatError reduces a foreign error to one ERR_INTERNAL line", () => {
  const error = new Error("boom\nsecond line");
  assert.equal(formatError(error), "rampart: ERR_INTERNAL boom");
});
