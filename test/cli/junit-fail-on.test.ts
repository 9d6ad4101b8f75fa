import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, runCli } from "../helpers/cli.js";
import { all, parseXml } from "../report/xml.js";

test('junit: failures agree with the exit code at every --fail-on (exit 0 means failures="0")', async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-junit-"));
  const seen: string[] = [];
  for (const failOn of ["critical", "high", "medium", "low", "none"]) {
    const { code } = await runCli(
      [
        "audit",
        fixture("openapi/baseline/before.yaml"),
        "--fail-on",
        failOn,
        "-o",
        "junit=out.xml",
      ],
      { cwd: dir },
    );
    const root = parseXml(readFileSync(join(dir, "out.xml"), "utf8"));
    const failures = all(root, "failure").length;
    assert.equal(root.attrs.failures, String(failures));
    assert.equal(
      code,
      failures > 0 ? 1 : 0,
      `--fail-on ${failOn}: exit ${code}, ${failures} failures`,
    );
    seen.push(`${failOn}:${code}`);
  }
  // The fixture has a high and a medium finding: the exit code changes between the levels.
  assert.deepEqual(seen, ["critical:0", "high:1", "medium:1", "low:1", "none:0"]);
});
