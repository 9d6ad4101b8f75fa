// `rampart rules` and `rampart rules ID` (issue 16, item 3): the rule list and one rule explained.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUDIT_RULES } from "../../src/audit/registry.js";
import { runCli } from "../helpers/cli.js";

describe("rampart rules", () => {
  it("lists every registered rule with its items, severity and what it looks for", async () => {
    const { code, stdout, stderr } = await runCli(["rules"]);
    assert.equal(code, 0);
    assert.equal(stderr, "");
    for (const rule of AUDIT_RULES) {
      const line = stdout.split("\n").find((l) => l.startsWith(`${rule.id} `));
      assert.ok(line, `${rule.id} is listed`);
      assert.ok(line.includes(rule.items.join(",")));
      assert.ok(line.includes(` ${rule.severity} `));
      assert.ok(line.endsWith(rule.looksFor));
    }
    assert.match(stdout, /\n22 rules\. Tags: [a-z, -]*secrets/);
  });

  it("writes the same as JSON", async () => {
    const { code, stdout } = await runCli(["rules", "--format", "json"]);
    assert.equal(code, 0);
    const { rules } = JSON.parse(stdout);
    assert.deepEqual(
      rules.map((r: { id: string }) => r.id),
      AUDIT_RULES.map((r) => r.id),
    );
    assert.deepEqual(Object.keys(rules[0]), [
      "id",
      "title",
      "items",
      "severity",
      "tags",
      "looksFor",
      "example",
      "fix",
    ]);
  });

  it("explains one rule: items, what it looks for, an example and the fix", async () => {
    const { code, stdout } = await runCli(["rules", "unbounded-input"]);
    assert.equal(code, 0);
    assert.match(stdout, /^unbounded-input: Request input without bounds\n/);
    assert.match(stdout, /Default severity: info/);
    assert.match(stdout, /IN-04 \(primary\)/);
    assert.match(stdout, /EXT-06 \(related\)/);
    assert.match(
      stdout,
      /What it looks for:\n {2}Request parameters and body fields without bounds/,
    );
    assert.match(stdout, /Example that it reports:\n {2}parameters:\n {4}- name: limit/);
    assert.match(stdout, /Fix:\n {2}.*Bound every input: maxLength/);
  });

  it("refuses an unknown rule with the closest id (exit 2, one line)", async () => {
    const { code, stdout, stderr } = await runCli(["rules", "integer-ids"]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      'rampart: ERR_USAGE unknown rule "integer-ids"; did you mean "integer-id"? (rampart rules lists them)\n',
    );
  });

  it("every rule carries its wording: tags, what it looks for, an example", () => {
    for (const rule of AUDIT_RULES) {
      assert.ok(rule.tags.length > 0 && rule.tags.every((t) => /^[a-z-]+$/.test(t)), rule.id);
      assert.ok(rule.looksFor.length > 20, rule.id);
      assert.ok(rule.example.includes(":"), rule.id);
    }
  });
});
