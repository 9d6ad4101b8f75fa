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
