import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, runCli } from "../helpers/cli.js";

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "rampart-ignore-ids-"));
  copyFileSync(fixture("openapi/baseline/before.yaml"), join(dir, "openapi.yaml"));
  writeFileSync(
    join(dir, "rampart.yaml"),
    [
      "ignore:",
      "  - check: integer-ids", // the audit rule is integer-id
      "    reason: legacy ids",
      "  - check: hsts-mising", // the scan check is acc-03-hsts; nothing is near: still the closest
      "    reason: staging",
      "  - check: out-06-secrets", // a scan check: known to audit too (one config for both)
      "    reason: accepted",
      "",
    ].join("\n"),
  );
  return dir;
}

test("ignore: entries naming an unknown check or rule are refused, each with the closest known id (audit, scan, checklist)", async () => {
  const dir = workspace();
  for (const args of [
    ["audit", "openapi.yaml", "-c", "rampart.yaml"],
    // Refused before a single request: port 9 (discard) is never reached.
    ["scan", "http://127.0.0.1:9", "-c", "rampart.yaml"],
    ["checklist", "-c", "rampart.yaml"],
  ]) {
    const { code, stdout, stderr } = await runCli(args, { cwd: dir });
    assert.equal(code, 2, args[0]);
    assert.equal(stdout, "");
    const lines = stderr.trim().split("\n");
    assert.match(lines[0] ?? "", /^rampart: ERR_CONFIG_INVALID .*rampart\.yaml: 2 problems$/);
    assert.match(
      lines[1] ?? "",
      /rampart\.yaml:2:\d+ \/ignore\/0\/check: unknown check or rule "integer-ids" \(the closest known id is "integer-id"\)/,
    );
    assert.match(
      lines[2] ?? "",
      /rampart\.yaml:4:\d+ \/ignore\/1\/check: unknown check or rule "hsts-mising" \(the closest known id is "[a-z0-9-]+"\)/,
    );
    assert.equal(lines.length, 3);
  }
});
