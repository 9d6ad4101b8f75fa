// Build: compile TypeScript to dist/, then copy the data the code reads at run time
// (the catalog, the demo's data folder) so that dist/ mirrors the source tree.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", root], {
  stdio: "inherit",
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

for (const dir of ["catalog", "demo/data"]) {
  const from = `${root}${dir}`;
  const to = `${root}dist/${dir}`;
  if (!existsSync(from)) continue;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

// The bin is run directly by npx / npm exec: it needs its execute bit.
chmodSync(`${root}dist/src/cli/bin.js`, 0o755);
