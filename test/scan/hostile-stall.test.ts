import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scanHostile, startHostile } from "../helpers/hostile-server.js";

// Own file: each scan waits out dozens of 2 s timeouts, so it runs beside the quick cases.
describe("scan against a target that stalls after its root answers", () => {
  for (const mode of ["silent", "trickle-body"] as const) {
    // A trapped scan never ends: the timeout makes that a failure instead of a hung run.
    test(`${mode} on every request but the root: the scan ends, in budget, and says what it could not test`, {
      timeout: 120_000,
    }, async () => {
      const target = await startHostile(mode, { healthyRoot: true });
      try {
        const scan = await scanHostile(target.url);
        // A body trickling a byte a second defeats an idle timeout: only a deadline on the
        // whole exchange ends it. Without one the scan never finishes.
        assert.ok(scan.ms < 60_000, `scan took ${Math.round(scan.ms)} ms`);
        assert.ok(scan.report, `no report (exit ${scan.code}): ${scan.stderr}`);
        const report = scan.report;
        assert.ok([0, 1].includes(scan.code), `exit ${scan.code}`);
        assert.ok((report.requests ?? 0) <= 60, `${report.requests} requests`);
        assert.ok(target.count() <= 60, `the target saw ${target.count()} requests`);
        // Every probe that timed out is a reason in the report, never a crashed check.
        assert.deepEqual(
          report.checks.filter((c) => c.status === "error"),
          [],
        );
        assert.match(
          report.items.find((i) => i.id === "EXT-04")?.reason ?? "",
          /security\.txt did not answer/,
        );
        // No verdict of "pass" from probes that never came back.
        const acc04 = report.items.find((i) => i.id === "ACC-04");
        assert.equal(acc04?.verdict, "not_tested");
        // Why: the probes went unanswered, or the budget ran out waiting on them.
        assert.match(
          acc04?.reason ?? "",
          /none of the directory probes answered|request budget exhausted/,
        );
        assert.equal(report.items.find((i) => i.id === "IN-01")?.verdict, "not_tested");
        assert.ok(report.items.filter((i) => i.verdict === "not_tested").every((i) => i.reason));
      } finally {
        await target.close();
      }
    });
  }
});
