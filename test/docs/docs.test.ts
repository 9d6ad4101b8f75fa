import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FIX_FRAMEWORKS, loadCatalog } from "../../src/catalog/catalog.js";
import { CHECKLIST_IDS } from "../../src/catalog/ids.js";
import { CONFIG_DOC, generateDocs, ITEM_DOCS_DIR } from "../../src/cli/docs-gen.js";
import { RampartError } from "../../src/core/errors.js";
import { ROOT } from "../helpers/cli.js";

const catalog = loadCatalog();
const docs = generateDocs(catalog);
const OUT_OF_DATE = "out of date: run npm run generate";

test("every catalog item, the 52 checklist items among them, has its page", () => {
  const pages = new Set(readdirSync(join(ROOT, ITEM_DOCS_DIR)));
  for (const id of CHECKLIST_IDS) assert.ok(pages.has(`${id}.md`), `docs/items/${id}.md missing`);
  for (const item of catalog.items) {
    assert.ok(pages.has(`${item.id}.md`), `docs/items/${item.id}.md missing`);
  }
});

test("no page exists for an id the catalog does not know", () => {
  const known = new Set([...catalog.items.map((i) => `${i.id}.md`), "README.md"]);
  const unknown = readdirSync(join(ROOT, ITEM_DOCS_DIR)).filter((name) => !known.has(name));
  assert.deepEqual(unknown, [], `stale pages in ${ITEM_DOCS_DIR}: ${OUT_OF_DATE}`);
});

test("each page, the index and the config reference equal the generator's current output", () => {
  for (const [path, content] of docs) {
    assert.equal(readFileSync(join(ROOT, path), "utf8"), content, `${path} is ${OUT_OF_DATE}`);
  }
});

test("the index links every item page", () => {
  const index = readFileSync(join(ROOT, ITEM_DOCS_DIR, "README.md"), "utf8");
  for (const item of catalog.items) assert.ok(index.includes(`](${item.id}.md)`), item.id);
});

test("a page shows what the item protects against, how it is verified, how to fix it", () => {
  const page = docs.get(`${ITEM_DOCS_DIR}/ACC-03.md`) ?? "";
  assert.match(page, /^# ACC-03: /m);
  assert.match(page, /## What it protects against/);
  assert.match(page, /`hsts-missing`|rampart scan/);
  assert.match(page, /## How to fix it/);
  assert.match(page, /\*\*nginx\*\*: .*Strict-Transport-Security/);
  assert.match(page, /RFC 6797/);
});

test("a manual item shows the attest block to put in rampart.yaml", () => {
  const page = docs.get(`${ITEM_DOCS_DIR}/CI-02.md`) ?? "";
  assert.match(page, /Manual: attest it in `rampart.yaml`/);
  assert.match(page, /attest:\n {2}CI-02:\n {4}status: done/);
});

test("the catalog's fixes name only the five known frameworks", () => {
  const known = new Set<string>(FIX_FRAMEWORKS);
  assert.deepEqual([...known], ["express", "fastify", "spring", "django", "nginx"]);
  for (const item of catalog.items) {
    for (const key of Object.keys(item.fixes ?? {})) {
      assert.ok(known.has(key), `${item.id}: unknown framework "${key}" in fixes`);
    }
  }
  assert.ok(
    catalog.items.some((i) => i.fixes !== undefined),
    "no item carries fixes",
  );
});

test("the config reference lists every top-level key of rampart.yaml with its default", () => {
  const reference = docs.get(CONFIG_DOC) ?? "";
  for (const key of ["version", "checklist", "attest", "ignore", "guard", "scan"]) {
    assert.match(reference, new RegExp(`^\\| \`${key}\` \\|`, "m"), key);
  }
  assert.match(
    reference,
    /\| `checklist.staleAfterDays` \| integer \(≥ 1, ≤ 3650\) \| {2}\| `180` \|/,
  );
  assert.match(reference, /\| `attest.<item-id>.status` \| .*`"not_applicable"` \| yes \|/);
});

test("the guard's defaults, kept in code beside their reasons, appear in the reference", () => {
  const reference = docs.get(CONFIG_DOC) ?? "";
  for (const [key, value] of [
    ["guard.listen", '"127.0.0.1:8080"'],
    ["guard.server.headersTimeoutMs", "10000"],
    ["guard.routes[].public", "false"],
    ["guard.routes[].policies.json.maxDepth", "64"],
    ["guard.auth.issuers[].maxLifetimeSeconds", "900"],
    ["guard.routes[].lockout.maxConsecutiveFailures", "5"],
    ["guard.detection.bans.enabled", "false"],
    ["guard.tokens.ttlSeconds", "900"],
  ])
    assert.ok(
      reference
        .split("\n")
        .some((line) => line.startsWith(`| \`${key}\` |`) && line.includes(`| \`${value}\` |`)),
      `${key} = ${value}`,
    );
  // A key without a default stays empty rather than inheriting a parent's object.
  assert.match(reference, /^\| `guard.routes\[\].path` \| [^|]+ \| yes \| {2}\|/m);
});

test("a catalog whose fixes name an unknown framework is refused with ERR_CATALOG_INVALID", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-docs-"));
  try {
    const text = readFileSync(join(ROOT, "catalog", "items.yaml"), "utf8");
    const file = join(dir, "items.yaml");
    writeFileSync(
      file,
      text.replace(
        "    fixes:\n",
        '    fixes:\n      rails: "config.force_ssl = true in production"\n',
      ),
    );
    assert.throws(
      () => loadCatalog(file),
      (error: unknown) =>
        error instanceof RampartError &&
        error.code === "ERR_CATALOG_INVALID" &&
        /fixes/.test(JSON.stringify(error.problems ?? error.message)),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
