import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "node:test";
import { VERSION } from "../../src/version.js";
import { ROOT } from "../helpers/cli.js";

/** Relative imports of every source file under a folder of src/, as repository paths. */
function imports(folder: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const base = join(ROOT, "src", folder);
  for (const name of readdirSync(base, { recursive: true }).map(String)) {
    if (!name.endsWith(".ts")) continue;
    const file = join(base, name);
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from "(\.[^"]+)"/gms)].map((m) =>
      relative(ROOT, normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, ".ts")))),
    );
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

test("src/core imports nothing from the commands above it (guard, scan, audit, report, cli, vocabulary)", () => {
  const above = /^src\/(guard|scan|audit|report|cli|vocabulary|openapi|config|index)\b/;
  const wrong = [...imports("core")].flatMap(([file, targets]) =>
    targets.filter((t) => above.test(t)).map((t) => `${file} -> ${t}`),
  );
  assert.deepEqual(wrong, []);
});

test("the command line has no import cycle (VERSION lives in src/version.ts, not in cli/main.ts)", () => {
  const graph = imports("cli");
  const cycles: string[] = [];
  const visit = (file: string, path: readonly string[]) => {
    for (const next of graph.get(file) ?? []) {
      if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
      else visit(next, [...path, next]);
    }
  };
  for (const file of graph.keys()) visit(file, [file]);
  assert.deepEqual(cycles, []);
  const main = graph.get("src/cli/main.ts") ?? [];
  for (const [file, targets] of graph)
    if (file !== "src/cli/bin.ts") assert.ok(!targets.includes("src/cli/main.ts"), file);
  assert.ok(main.length > 0);
});

test("VERSION is package.json's version", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    version: string;
  };
  assert.equal(VERSION, manifest.version);
});
