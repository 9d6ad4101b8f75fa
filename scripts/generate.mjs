// Regenerates the files derived from code: the item table in README.md (from
// `rampart checklist --format markdown`) and schema/rampart.schema.json (from the config schema).
// Tests fail when either drifts from the code.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
