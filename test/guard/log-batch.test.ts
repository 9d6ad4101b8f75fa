import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { batchedLog, LOG_BATCH_DEFAULTS } from "../../src/guard/ops/log-batch.js";

function recorder() {
  const writes: string[] = [];
  return { writes, write: (chunk: string) => writes.push(chunk) };
}

describe("batched log destination", () => {
  test("lines wait until maxBytes are gathered, then go out in one write, in order", () => {
    const out = recorder();
    const log = batchedLog(out, { maxBytes: 30 });
    log.write("first line 0001\n");
    assert.deepEqual(out.writes, [], "a line under the threshold is held");
    log.write("second line 002\n");
    assert.deepEqual(out.writes, ["first line 0001\nsecond line 002\n"]);
    log.flush();
    assert.equal(out.writes.length, 1, "nothing pending: flush writes nothing");
  });

  test("a held line goes out after maxDelayMs when traffic is light", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const out = recorder();
    const log = batchedLog(out);
    log.write('{"event":"access"}\n');
    t.mock.timers.tick(LOG_BATCH_DEFAULTS.maxDelayMs - 1);
    assert.deepEqual(out.writes, []);
    t.mock.timers.tick(1);
    assert.deepEqual(out.writes, ['{"event":"access"}\n']);
    log.write("next\n");
    t.mock.timers.tick(LOG_BATCH_DEFAULTS.maxDelayMs);
    assert.deepEqual(out.writes, ['{"event":"access"}\n', "next\n"], "the timer re-arms");
  });

  test("flush at shutdown writes what is held and cancels the timer", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const out = recorder();
    const log = batchedLog(out);
    log.write("a\n");
    log.write("b\n");
    log.flush();
    assert.deepEqual(out.writes, ["a\nb\n"]);
    t.mock.timers.tick(LOG_BATCH_DEFAULTS.maxDelayMs * 2);
    assert.deepEqual(out.writes, ["a\nb\n"], "no second, empty write");
  });

  test("maxBytes 0 writes every line at once (batching off)", () => {
    const out = recorder();
    const log = batchedLog(out, { maxBytes: 0 });
    log.write("a\n");
    log.write("b\n");
    assert.deepEqual(out.writes, ["a\n", "b\n"]);
  });

  test("pino writes through it: each line whole, in order, none lost", () => {
    const out = recorder();
    const log = batchedLog(out, { maxBytes: 256 });
    const logger = pino({ base: null, timestamp: false }, log);
    for (let i = 0; i < 50; i++) logger.info({ i }, "line");
    log.flush();
    const lines = out.writes.join("").trimEnd().split("\n");
    assert.equal(lines.length, 50);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).i),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.ok(out.writes.length < 50 / 3, `${out.writes.length} writes for 50 lines`);
  });

  test("misuse throws TypeError", () => {
    const out = recorder();
    assert.throws(() => batchedLog(out, { maxBytes: -1 }), {
      name: "TypeError",
      message: "batchedLog: maxBytes must be a non-negative integer",
    });
    assert.throws(() => batchedLog(out, { maxDelayMs: 0 }), {
      name: "TypeError",
      message: "batchedLog: maxDelayMs must be a positive integer",
    });
  });
});
