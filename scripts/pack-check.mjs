// Pack-and-install check (CI runs it after the build, see .ci/run): packs the package as `npm pack`
// would publish it, installs the tarball in empty folders with runtime dependencies only, and runs
// the installed CLI there, as a user who never cloned the repository would:
//   1. `npm install <tgz> --omit=dev`: `npx rampart --version`, `npx rampart audit <fixture>`,
//      `npx rampart demo` (the demo's optional sql.js installed);
//   2. `npm install <tgz> --omit=dev --omit=optional` (what action.yml installs): audit, `guard
//      --check`, a scan of the demo API started from install 1; `rampart demo` then stops with
//      ERR_DEMO_DEPENDENCY, exit 2, which also proves scan, audit and guard never load sql.js;
//   3. action.yml's own install step on the tarball, then its run step on an audit: annotations on
//      stdout, the job summary written.
// It prints the tarball's size and each install's size and time (each with an empty npm cache). Needs nothing but node, npm and the npm registry.
//
// Usage: node scripts/pack-check.mjs [--keep]   (after `npm run build`; --keep leaves the folders)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "rampart-pack-"));
const fixture = join(root, "test/fixtures/openapi/rules/basic-auth-scheme.yaml");
const guardConfig = join(root, "demo/guard.yaml");
let failures = 0;

/** Runs a command; returns its status, output and duration. Never throws. */
function run(command, args, options = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 300_000, ...options });
  const ms = Math.round(performance.now() - started);
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", ms };
}

/** Records one expectation: prints ok / FAIL with the output that explains a failure. */
function expect(name, ok, result) {
  if (ok) {
    console.log(`ok    ${name}`);
    return;
  }
  failures += 1;
  console.log(`FAIL  ${name}`);
  if (result) console.log(`      exit ${result.status}\n${result.stdout}\n${result.stderr}`);
}

/** Bytes on disk under a folder (files only, as `du --apparent-size` counts). */
function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Installs the tarball in a new empty folder with the given extra npm flags, with an empty npm
 * cache of its own so that the two installs' times compare (both download everything).
 */
function install(name, tarball, flags) {
  const dir = join(work, name);
  mkdirSync(dir);
  const cache = join(work, `${name}-cache`);
  const result = run(
    "npm",
    [
      "install",
      tarball,
      "--omit=dev",
      ...flags,
      `--cache=${cache}`,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
    ],
    { cwd: dir },
  );
  expect(
    `install ${name} (npm install <tgz> --omit=dev ${flags.join(" ")})`,
    result.status === 0,
    result,
  );
  const size = result.status === 0 ? sizeOf(join(dir, "node_modules")) : 0;
  console.log(`      ${name}: ${mb(size)} in node_modules, ${(result.ms / 1000).toFixed(1)} s`);
  return dir;
}

const npx = (dir, args, options = {}) =>
  run("npx", ["--no-install", "rampart", ...args], { cwd: dir, ...options });

try {
  // 1. Pack (prepack builds; the caller already built, so this only re-runs the same build).
  const pack = run("npm", ["pack", "--pack-destination", work, "--json", "--loglevel=error"], {
    cwd: root,
  });
  expect("npm pack", pack.status === 0, pack);
  if (pack.status !== 0) process.exit(1);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")));
  const tarball = join(work, packed.filename);
  console.log(
    `      ${packed.filename}: ${mb(packed.size)} packed, ${mb(packed.unpackedSize)} unpacked, ${packed.entryCount} files`,
  );
  const shipped = packed.files.map((f) => f.path);
  expect(
    "the tarball ships dist, the catalog, the schema and no tests or sources",
    shipped.includes("dist/src/cli/bin.js") &&
      shipped.includes("schema/rampart.schema.json") &&
      shipped.some((f) => f.startsWith("dist/catalog/")) &&
      !shipped.some((f) => f.startsWith("dist/test/") || f.startsWith("src/")),
  );
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  expect(
    "no install-time script (an install from the tarball runs nothing and needs no devDependency)",
    !["preinstall", "install", "postinstall", "prepare"].some((s) => manifest.scripts?.[s]),
  );

  // 2. Full runtime install: the demo works.
  const full = install("full", tarball, []);
  const version = npx(full, ["--version"]);
  expect(
    "npx rampart --version",
    version.status === 0 && version.stdout.trim() === manifest.version,
    version,
  );
  const audit = npx(full, ["audit", fixture, "--fail-on", "none", "--format", "json"]);
  expect(
    "npx rampart audit <fixture>",
    audit.status === 0 && JSON.parse(audit.stdout).kind === "audit",
    audit,
  );
  const demo = npx(full, ["demo"]);
  expect(
    "npx rampart demo",
    demo.status === 0 && /Report written to rampart-report\.html/.test(demo.stdout),
    demo,
  );

  // 3. Without the optional sql.js: scan, audit and guard work; the demo says what is missing.
  const lean = install("lean", tarball, ["--omit=optional"]);
  const leanAudit = npx(lean, ["audit", fixture, "--fail-on", "low"]);
  expect("lean: audit finds the fixture's flaw (exit 1)", leanAudit.status === 1, leanAudit);
  const check = npx(lean, [
    "guard",
    "--check",
    "-c",
    guardConfig,
    "--upstream",
    "http://127.0.0.1:8088",
  ]);
  expect("lean: guard --check on demo/guard.yaml", check.status === 0, check);
  const leanDemo = npx(lean, ["demo"]);
  expect(
    "lean: rampart demo stops with ERR_DEMO_DEPENDENCY, exit 2",
    leanDemo.status === 2 && /ERR_DEMO_DEPENDENCY/.test(leanDemo.stderr),
    leanDemo,
  );
  // The lean install scans a demo API run from the full install.
  const api = spawn(join(full, "node_modules/.bin/rampart"), ["demo-api", "--port", "0"], {
    cwd: full,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve) => {
    let seen = "";
    api.stdout.on("data", (chunk) => {
      seen += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(seen);
      if (found) resolve(found[0]);
    });
    api.on("exit", () => resolve(undefined));
    setTimeout(() => resolve(undefined), 30_000);
  });
  expect("demo-api started from the full install", url !== undefined);
  if (url) {
    const scan = npx(lean, ["scan", url, "--fail-on", "none", "--format", "json"]);
    const report = scan.status === 0 ? JSON.parse(scan.stdout) : undefined;
    expect(
      "lean: scan of the demo API reports findings",
      report?.kind === "scan" && report.findings.length > 0,
      scan,
    );
  }
  api.kill();

  // 4. action.yml's install step, then its run step, on the same tarball.
  const action = parse(readFileSync(join(root, "action.yml"), "utf8"));
  const step = (id) => action.runs.steps.find((s) => s.id === id)?.run ?? "";
  const runner = join(work, "runner");
  mkdirSync(runner);
  const env = {
    ...process.env,
    GITHUB_ACTION_PATH: root,
    RUNNER_TEMP: runner,
    GITHUB_PATH: join(runner, "github-path"),
    GITHUB_OUTPUT: join(runner, "github-output"),
    GITHUB_STEP_SUMMARY: join(runner, "step-summary.md"),
    RAMPART_PACKAGE: tarball,
  };
  const installed = run("bash", ["-e", "-c", step("install")], { cwd: runner, env });
  expect("action.yml: install step", installed.status === 0, installed);
  const binDir = readFileSync(env.GITHUB_PATH, "utf8").trim();
  const actionRun = run("bash", ["-e", "-c", step("run")], {
    cwd: runner,
    env: {
      ...env,
      PATH: `${binDir}:${process.env.PATH}`,
      RAMPART_COMMAND: "audit",
      RAMPART_TARGET: fixture,
      RAMPART_FAIL_ON: "high",
      RAMPART_CONFIG: "",
      RAMPART_BASELINE: "",
      RAMPART_SARIF: "rampart.sarif",
      RAMPART_JUNIT: "rampart-junit.xml",
      RAMPART_SUMMARY: "true",
      RAMPART_ARGS: "",
    },
  });
  const summary = readFileSync(env.GITHUB_STEP_SUMMARY, { encoding: "utf8", flag: "a+" });
  expect(
    "action.yml: run step annotates and writes the job summary",
    /^::(error|warning|notice) file=/m.test(actionRun.stdout) && summary.length > 0,
    actionRun,
  );
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(failures === 0 ? "pack-check: all passed" : `pack-check: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
