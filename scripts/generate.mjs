// Regenerates the files derived from code: the item table in README.md (from
// `rampart checklist --format markdown`) and schema/rampart.schema.json (from the config schema).
// Tests fail when either drifts from the code.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { checklistMarkdownBlock, configJsonSchema, replaceChecklistBlock } = await import(
  `${root}dist/src/cli/generated.js`
);

function update(file, content) {
  let before = "";
  try {
    before = readFileSync(file, "utf8");
  } catch {}
  if (before === content) return console.log(`${file.slice(root.length)} is up to date`);
  writeFileSync(file, content);
  console.log(`${file.slice(root.length)} updated`);
}

const readme = `${root}README.md`;
update(readme, replaceChecklistBlock(readFileSync(readme, "utf8"), checklistMarkdownBlock()));
mkdirSync(`${root}schema`, { recursive: true });
update(`${root}schema/rampart.schema.json`, configJsonSchema());

// docs/: one page per catalog item, the item index and the config reference (src/cli/docs-gen.ts).
const { generateDocs, ITEM_DOCS_DIR } = await import(`${root}dist/src/cli/docs-gen.js`);
const docs = generateDocs();
mkdirSync(`${root}${ITEM_DOCS_DIR}`, { recursive: true });
for (const name of readdirSync(`${root}${ITEM_DOCS_DIR}`)) {
  if (!docs.has(`${ITEM_DOCS_DIR}/${name}`)) {
    rmSync(`${root}${ITEM_DOCS_DIR}/${name}`);
    console.log(`${ITEM_DOCS_DIR}/${name} removed`);
  }
}
for (const [path, content] of docs) {
  mkdirSync(dirname(`${root}${path}`), { recursive: true });
  update(`${root}${path}`, content);
}
