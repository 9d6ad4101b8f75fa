import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLockout } from "../../demo/auth/lockout.js";

describe("createLockout (injectable clock)", () => {
  test("locks after 5 consecutive failures for 15 min, case-insensitively", () => {
    let now = 1_000_000;
    const lockout = createLockout({ now: () => now });
    for (let i = 0; i < 4; i++) lockout.fail("Alice");
    assert.equal(lockout.retryAfter("alice"), 0);
    lockout.fail("alice");
    assert.equal(lockout.retryAfter("ALICE"), 900);
    now += 899_000;
    assert.equal(lockout.retryAfter("alice"), 1);
    now += 1000;
    assert.equal(lockout.retryAfter("alice"), 0);
  });

  test("each lock after the first doubles, up to a day", () => {
    let now = 0;
    const lockout = createLockout({ now: () => now });
    for (let i = 0; i < 5; i++) lockout.fail("bob");
    const waits = [lockout.retryAfter("bob")];
    for (let round = 0; round < 8; round++) {
      now += (waits.at(-1) ?? 0) * 1000;
      lockout.fail("bob");
      waits.push(lockout.retryAfter("bob"));
    }
    assert.deepEqual(waits.slice(0, 4), [900, 1800, 3600, 7200]);
    assert.equal(waits.at(-1), 86_400);
  });

  test("a day after the last lock ran out, the count starts from zero again", () => {
    let now = 0;
    const lockout = createLockout({ now: () => now });
    for (let i = 0; i < 5; i++) lockout.fail("dave");
    now += (900 + 86_400) * 1000 + 1;
    lockout.fail("dave");
    assert.equal(lockout.retryAfter("dave"), 0);
  });

  test("a success resets; keys are forgotten oldest first beyond maxKeys", () => {
    const lockout = createLockout({ now: () => 0, maxKeys: 2 });
    for (let i = 0; i < 4; i++) lockout.fail("carol");
    lockout.succeed("carol");
    lockout.fail("carol");
    assert.equal(lockout.retryAfter("carol"), 0);
    for (let i = 0; i < 5; i++) lockout.fail("a");
    lockout.fail("b");
    lockout.fail("c");
    assert.equal(lockout.retryAfter("a"), 0);
  });
});
