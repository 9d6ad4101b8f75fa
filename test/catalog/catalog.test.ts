import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import {
  CHECKLIST_IDS,
  EXTRA_IDS,
  ITEM_ID_PATTERN,
  ITEM_IDS,
  isItemId,
} from "../../src/catalog/ids.js";
import { RampartError } from "../../src/core/errors.js";
import { ROOT } from "../helpers/cli.js";

const catalog = loadCatalog();

test("the catalog holds the 52 checklist items and the extra ones, in the order of ItemId", () => {
  assert.equal(CHECKLIST_IDS.length, 52);
  assert.ok(EXTRA_IDS.length >= 5);
  assert.deepEqual(
    catalog.items.map((i) => i.id),
    [...ITEM_IDS],
  );
});

test("ids are unique and well-formed; extra ids are EXT-", () => {
  assert.equal(new Set(ITEM_IDS).size, ITEM_IDS.length);
  for (const id of ITEM_IDS) assert.match(id, ITEM_ID_PATTERN);
  for (const id of EXTRA_IDS) assert.match(id, /^EXT-\d{2}$/);
  assert.equal(isItemId("JWT-02"), true);
  assert.equal(isItemId("JWT-99"), false);
});

test("every item has its prose, references and a known section", () => {
  const sections = new Set(catalog.sections.map((s) => s.id));
  for (const item of catalog.items) {
    assert.ok(sections.has(item.section), `${item.id}: section ${item.section}`);
    for (const field of ["title", "summary", "rationale", "remediation"] as const) {
      assert.ok(item[field].trim().length > 0, `${item.id}: ${field}`);
    }
    assert.ok(item.references.cwe.length > 0, `${item.id}: a CWE`);
    assert.ok(item.capabilities.length > 0 || item.manual, `${item.id}: covered somehow`);
  }
  assert.equal(catalog.items.filter((i) => i.section === "beyond").length, EXTRA_IDS.length);
});

test("item() looks up by id and refuses unknown ids with a TypeError", () => {
  assert.equal(catalog.item("ACC-03").section, "access");
  assert.throws(() => catalog.item("NOPE-01" as never), {
    name: "TypeError",
    message: "unknown item id NOPE-01",
  });
});

test("the catalog agrees with shared/CHECKLIST.md: ids, sections and S/A/G/M targets", (t) => {
  const file = join(ROOT, "..", "shared", "CHECKLIST.md");
  if (!existsSync(file)) {
    t.skip("../shared/CHECKLIST.md is not beside this checkout");
    return;
  }
  const rows = readFileSync(file, "utf8")
    .split("\n")
    .map((line) => /^\| ([A-Z]+-\d{2}) \| ([^|]+) \|[^|]*\| ([^|]+) \|$/.exec(line))
    .filter((m) => m !== null);
  assert.deepEqual(
    rows.map((m) => m[1]),
    [...CHECKLIST_IDS],
  );
  for (const [, id, , coveredBy] of rows) {
    const item = catalog.item(id as never);
    const letters = (coveredBy ?? "").replace(/\([^)]*\)/g, "");
    // The catalog may add a capability the checklist does not name (audit rules for ACC-01 and
    // ACC-02), never drop one.
    for (const c of ["scan", "audit", "guard"] as const) {
      if (letters.includes(c[0]?.toUpperCase() ?? "")) {
        assert.ok(item.capabilities.includes(c), `${id} must target ${c}`);
      }
    }
    assert.equal(item.manual, letters.includes("M"), `${id} manual`);
  }
});

test("a catalog with a missing item fails loudly with ERR_CATALOG_INVALID", () => {
  const broken = readFileSync(join(ROOT, "catalog", "items.yaml"), "utf8").replace(
    "- id: JWT-03",
    "- id: JWT-33",
  );
  const file = join(tmpdir(), `rampart-catalog-${process.pid}.yaml`);
  writeFileSync(file, broken);
  assert.throws(
    () => loadCatalog(file),
    (error: unknown) =>
      error instanceof RampartError &&
      error.code === "ERR_CATALOG_INVALID" &&
      /missing: JWT-03; unknown: JWT-33/.test(error.message),
  );
});
