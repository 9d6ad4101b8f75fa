import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { createBudget } from "../../src/scan/budget.js";
import { runScan } from "../../src/scan/engine.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import { catalog, catchAll, countingServer } from "./scan-helpers.js";

describe("scan budget", () => {
  test("--max-requests is exact: the server sees exactly N requests and the report says N", async () => {
    const server = await countingServer(catchAll);
    try {
      for (const max of [1, 7, 25]) {
        const before = server.count();
        const report = await runScan(
          { target: server.url, maxRequests: max },
          { catalog, checks: SCAN_CHECKS },
        );
        // Every request counts, including probes of the host's other transports (port 443 here),
        // which this server never sees: it sees at most N, exactly N while discovery lasts.
        const seen = server.count() - before;
        if (max <= 7) assert.equal(seen, max);
        else assert.ok(seen <= max && seen >= max - 4, `${seen} of ${max}`);
        assert.equal(report.requests, max);
        assert.ok(
          report.checks.some((c) => c.reason === "request budget exhausted (--max-requests)"),
        );
      }
    } finally {
      await server.close();
    }
  });

  test("--concurrency bounds the requests in flight at the server", async () => {
    const server = await countingServer((req, res) => setTimeout(() => catchAll(req, res), 20));
    try {
      await runScan(
        { target: server.url, concurrency: 2, maxRequests: 40 },
        { catalog, checks: SCAN_CHECKS },
      );
      assert.ok(server.maxInFlight() <= 2, `max in flight ${server.maxInFlight()}`);
      assert.ok(server.maxInFlight() >= 1);
    } finally {
      await server.close();
    }
  });

  test("--rate spaces request starts (fake clock: no sleeping)", async () => {
    let t = 0;
    const sleeps: number[] = [];
    const clock = {
      now: () => t,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
    };
    const budget = createBudget({ maxRequests: 4, concurrency: 4, rate: 10 }, clock);
    for (let i = 0; i < 4; i++) (await budget.acquire())();
    assert.deepEqual(sleeps, [100, 100, 100]);
    await assert.rejects(
      budget.acquire(),
      (e: unknown) => e instanceof RampartError && e.code === "ERR_SCAN_BUDGET",
    );
    assert.equal(budget.used, 4);
  });

  test("--timeout: a target that never answers is unreachable (timed out)", async () => {
    const server = await countingServer(() => {});
    try {
      await assert.rejects(
        runScan({ target: server.url, timeoutSeconds: 0.2 }, { catalog, checks: SCAN_CHECKS }),
        (e: unknown) =>
          e instanceof RampartError &&
          e.code === "ERR_TARGET_UNREACHABLE" &&
          /timed out/.test(e.message),
      );
    } finally {
      await server.close();
    }
  });
});

describe("scan budget shared between checks", () => {
  const spent = (e: unknown) => e instanceof RampartError && e.code === "ERR_SCAN_BUDGET";

  test("waiting for a slot, the owner that has sent the fewest goes first (a greedy check cannot starve a cheap one)", async () => {
    const budget = createBudget({ maxRequests: 100, concurrency: 1 });
    const order: string[] = [];
    const release = await budget.acquire(undefined, "greedy");
    const waits = [
      ...["greedy", "greedy", "greedy"].map((o) =>
        budget.acquire(undefined, o).then((r) => {
          order.push(o);
          r();
        }),
      ),
      budget.acquire(undefined, "cheap").then((r) => {
        order.push("cheap");
        r();
      }),
    ];
    release();
    await Promise.all(waits);
    assert.deepEqual(order, ["cheap", "greedy", "greedy", "greedy"]);
  });

  test("each open owner keeps a floor: another may not take it, and is refused rather than left waiting", async () => {
    const budget = createBudget({ maxRequests: 10, concurrency: 4 });
    budget.open(["greedy", "late"]);
    let taken = 0;
    for (;;) {
      try {
        (await budget.acquire(undefined, "greedy"))();
        taken++;
      } catch (error) {
        assert.ok(spent(error));
        assert.match((error as Error).message, /held for other checks/);
        break;
      }
    }
    // floor = min(20, 10 / (2 x 2 owners)) = 2 held for "late".
    assert.equal(taken, 8);
    (await budget.acquire(undefined, "late"))();
    (await budget.acquire(undefined, "late"))();
    await assert.rejects(budget.acquire(undefined, "late"), spent);
    assert.equal(budget.used, 10);
  });

  test("a closed owner's floor goes back to the others", async () => {
    const budget = createBudget({ maxRequests: 8, concurrency: 4 });
    budget.open(["a", "b"]);
    for (let i = 0; i < 6; i++) (await budget.acquire(undefined, "a"))();
    await assert.rejects(budget.acquire(undefined, "a"), spent);
    budget.close("b");
    (await budget.acquire(undefined, "a"))();
    (await budget.acquire(undefined, "a"))();
    assert.equal(budget.used, 8);
    assert.equal(budget.sentBy("a"), 8);
  });

  test("requests are counted when sent: one aborted while it waited for a slot is not", async () => {
    const budget = createBudget({ maxRequests: 5, concurrency: 1 });
    const hold = await budget.acquire(undefined, "a");
    const controller = new AbortController();
    const waiting = budget.acquire(controller.signal, "b");
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, /stop/);
    assert.equal(budget.used, 1);
    hold();
    assert.equal(budget.sentBy("b"), 0);
  });
});

describe("catch-all target (200 to everything)", () => {
  test("no false 405, directory-listing, 406 or 415 findings", async () => {
    const server = await countingServer(catchAll);
    try {
      const report = await runScan({ target: server.url }, { catalog, checks: SCAN_CHECKS });
      const noisy = report.findings.filter((f) =>
        [
          "in-01-methods",
          "in-01-method-override",
          "acc-04-directory-listing",
          "in-02-not-acceptable",
          "in-03-unsupported-media-type",
          "out-07-status-codes",
          "proc-08-debug",
        ].includes(f.checkId),
      );
      assert.deepEqual(
        noisy.map((f) => f.title),
        [],
      );
      assert.equal(report.checks.filter((c) => c.status === "error").length, 0);
    } finally {
      await server.close();
    }
  });
});
