import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  checklistMarkdownBlock,
  configJsonSchema,
  replaceChecklistBlock,
} from "../../src/cli/generated.js";
import { ROOT } from "../helpers/cli.js";

test("the README's item table is the current output of rampart checklist --format markdown", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.equal(
    replaceChecklistBlock(readme, checklistMarkdownBlock()),
    readme,
    "README.md is out of date: run npm run generate",
  );
});

test("the README shows the two-command quick start", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.match(readme, /npm install && npm run demo/);
  assert.match(readme, /npm test/);
});

test("schema/rampart.schema.json is the current config schema", () => {
  const published = readFileSync(join(ROOT, "schema", "rampart.schema.json"), "utf8");
  assert.equal(
    published,
    configJsonSchema(),
    "schema/rampart.schema.json is out of date: run npm run generate",
  );
  const schema = JSON.parse(published);
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.properties.attest.properties["CI-02"]);
});
