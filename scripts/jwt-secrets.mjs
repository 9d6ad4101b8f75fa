// Build step: writes the public part of JWT-01's weak-secret list to
// dist/src/vocabulary/jwt-secrets.txt.gz, one candidate a line, most frequent first.
//
// The words come from devDependencies, read through their documented `dictionary` export, so
// nothing of them is committed here and the published package carries only the compressed
// result (MIT, like the lists):
//   @zxcvbn-ts/language-common  passwords-common: leaked passwords by frequency
//   @zxcvbn-ts/language-en      wikipedia-en, firstnames-en, lastnames-en by frequency
// (commonWords-en is left out: its subtitle data is ODC-BY and would need its own notice.)
// src/vocabulary/jwt-secrets.ts puts Rampart's hand-written list and its variants in front at
// run time and skips what they already hold; this file only drops duplicates between the lists.
//
// Usage: node scripts/jwt-secrets.mjs [output file]   (scripts/build.mjs runs it)
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** Package, dictionary entries in the order they are tried. */
const SOURCES = [
  ["@zxcvbn-ts/language-common", ["passwords-common"]],
  ["@zxcvbn-ts/language-en", ["wikipedia-en", "firstnames-en", "lastnames-en"]],
];

const root = fileURLToPath(new URL("..", import.meta.url));
const output = process.argv[2] ?? `${root}dist/src/vocabulary/jwt-secrets.txt.gz`;

/** Stops the build with one line, no stack: the fix is an install, not a code change. */
function fail(message) {
  console.error(`jwt-secrets: ${message}`);
  process.exit(1);
}

const seen = new Set();
const counts = [];
for (const [name, entries] of SOURCES) {
  let dictionary;
  try {
    ({ dictionary } = await import(name));
  } catch (error) {
    fail(`devDependency ${name} cannot be loaded (npm ci installs it): ${error.message}`);
  }
  for (const entry of entries) {
    const words = dictionary?.[entry];
    if (!Array.isArray(words) || words.length === 0)
      fail(`${name} has no dictionary "${entry}": check its version in package.json`);
    const before = seen.size;
    for (const word of words) {
      // A line holds one candidate: nothing that would split it or read as padding.
      if (typeof word === "string" && word !== "" && !/[\r\n]/.test(word)) seen.add(word);
    }
    counts.push(`${entry} +${seen.size - before}`);
  }
}

const packed = gzipSync([...seen].join("\n"), { level: 9 });
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, packed);
console.log(
  `jwt-secrets: ${seen.size} public candidates (${counts.join(", ")}), ${packed.length} bytes gzip`,
);
