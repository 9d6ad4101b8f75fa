// Build: copy the data the code reads at run time (the catalog, the demo's data folder) so that
// dist/ mirrors the source tree, generate JWT-01's public secret list, then compile TypeScript
// to dist/. Assets go first so that a compile error elsewhere in the tree does not leave tests
// without their data.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// dist/ mirrors the tree exactly: a file moved or deleted in the source leaves nothing behind to
// be published or imported by mistake.
rmSync(`${root}dist`, { recursive: true, force: true });
for (const dir of ["catalog", "demo/data"]) {
  const from = `${root}${dir}`;
  const to = `${root}dist/${dir}`;
  if (!existsSync(from)) continue;
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
}

// The demo's guard and scan configs ship with the package: `rampart demo` reads the guard's.
for (const file of ["demo/guard.yaml", "demo/rampart.yaml"]) {
  if (!existsSync(`${root}${file}`)) continue;
  mkdirSync(`${root}dist/demo`, { recursive: true });
  cpSync(`${root}${file}`, `${root}dist/${file}`);
}

// JWT-01's public weak-secret list, generated from devDependencies (scripts/jwt-secrets.mjs).
const secrets = spawnSync(process.execPath, [`${root}scripts/jwt-secrets.mjs`], {
  stdio: "inherit",
});

const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", root], {
  stdio: "inherit",
});
// The bin is run directly by npx / npm exec: it needs its execute bit.
if (existsSync(`${root}dist/src/cli/bin.js`)) chmodSync(`${root}dist/src/cli/bin.js`, 0o755);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
if (secrets.status !== 0) process.exit(secrets.status ?? 1);
