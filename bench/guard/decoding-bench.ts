/**
 * What body decoding costs the guard (issue 17): the bench of issue 18 (a POST of a 1 KiB JSON
 * body, answered with 2 KiB of JSON, validation on) sent once as it is and once gzip-encoded
 * (`Content-Encoding: gzip`, which the guard decodes within the route's bodyLimit before any
 * policy reads it and forwards decoded), to the same guard process, in interleaved rounds; with
 * node+undici forwarding the plain body as the reference of issue 17's floor. Then, in this
 * process, the microseconds `decodeCodings` takes on the compressed body.
 *
 *   npm run build && node dist/bench/guard/decoding-bench.js [--duration 2] [--rounds 7]
 *
 * The processes are validation-bench.js's roles (upstream, plain proxy, guard); same method as
 * bench.ts (wrk, ratios as medians of per-round ratios with quartiles); results in RESULTS.md.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { decodeCodings } from "../../src/guard/codings.js";
import { child, installed, median, ms, type Result, ratioCell, runOptions, wrk } from "./bench.js";
import { REQUEST } from "./validation-bench.js";

const ROLES = fileURLToPath(new URL("./validation-bench.js", import.meta.url));
const SCRIPT = fileURLToPath(import.meta.url);

/** The bench's body, gzip-compressed (the default level, as clients send it). */
export const GZIPPED = gzipSync(REQUEST);

/** A wrk script that POSTs `body` (any bytes: a Lua string of decimal escapes). */
function luaPost(body: Buffer, extraHeaders: Readonly<Record<string, string>> = {}): string {
  const bytes = [...body].map((b) => `\\${b}`).join("");
  const headers = Object.entries({ "Content-Type": "application/json", ...extraHeaders })
    .map(([k, v]) => `wrk.headers["${k}"] = "${v}"\n`)
    .join("");
  return `wrk.method = "POST"\n${headers}wrk.body = "${bytes}"\n`;
}

/** Microseconds per decode of the compressed body, the median of 7 batches. */
function decodeCost(iterations: number): number {
  for (let i = 0; i < iterations / 4; i++) decodeCodings(GZIPPED, ["gzip"], 1024 * 1024);
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations / 7; i++) decodeCodings(GZIPPED, ["gzip"], 1024 * 1024);
    batches.push(Number(process.hrtime.bigint() - started) / 1000 / (iterations / 7));
  }
  return median(batches);
}

async function main(): Promise<void> {
  const { seconds, threads, rounds } = runOptions(process.argv);
  const cost = decodeCost(70_000);
  if (!installed("wrk", ["-v"])) {
    process.stderr.write("bench/guard: wrk is not installed (Debian: apt-get install -y wrk)\n");
    process.stdout.write(`gzip decode: ${cost.toFixed(1)} µs per request\n`);
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-decoding-"));
  const plainLua = join(dir, "plain.lua");
  const gzipLua = join(dir, "gzip.lua");
  writeFileSync(plainLua, luaPost(REQUEST));
  writeFileSync(gzipLua, luaPost(GZIPPED, { "Content-Encoding": "gzip" }));
  const processes: ChildProcess[] = [];
  const start = async (role: string, argument = "") => {
    const started = await child(role, argument, [], ROLES);
    if ("missing" in started) throw new Error(`${role}: ${started.missing}`);
    processes.push(started.process);
    return started.url;
  };
  try {
    const upstream = await start("upstream");
    const plain = await start("plain", upstream);
    const guard = await start("guard", upstream);
    // The body check: the guard decodes the gzip body and validates it like the plain one.
    for (const [body, headers] of [
      [REQUEST, {}],
      [GZIPPED, { "content-encoding": "gzip" }],
    ] as const) {
      const res = await fetch(`${guard}/items`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
      const text = await res.text();
      if (res.status !== 200)
        throw new Error(`guard answered ${res.status}: ${text.slice(0, 300)}`);
    }
    const cases = {
      "node+undici, plain body": { url: plain, lua: plainLua },
      "guard, plain body": { url: guard, lua: plainLua },
      "guard, gzip body": { url: guard, lua: gzipLua },
    };
    const names = Object.keys(cases) as (keyof typeof cases)[];
    const rows: string[] = [];
    const ratioRows: string[] = [];
    for (const connections of [32, 256]) {
      for (const c of Object.values(cases))
        wrk(`${c.url}/items`, connections, 1, threads, ["-s", c.lua]);
      const results: Partial<Record<keyof typeof cases, Result[]>> = {};
      for (let round = 0; round < rounds; round++) {
        const order = names.map((_, i) => names[(i + round) % names.length] as keyof typeof cases);
        for (const name of order) {
          const c = cases[name];
          const runs = results[name] ?? [];
          runs.push(wrk(`${c.url}/items`, connections, seconds, threads, ["-s", c.lua]));
          results[name] = runs;
        }
      }
      for (const name of names) {
        const runs = results[name] ?? [];
        rows.push(
          `| ${connections} | ${name} | ${Math.round(median(runs.map((r) => r.rps)))} | ${ms(median(runs.map((r) => r.p50)))} | ${ms(median(runs.map((r) => r.p99)))} |`,
        );
      }
      const per = (a: keyof typeof cases, b: keyof typeof cases, floor?: number) => {
        const x = results[a] ?? [];
        const y = results[b] ?? [];
        return ratioCell(
          x.map((r, i) => r.rps / (y[i]?.rps ?? Number.NaN)),
          floor,
        );
      };
      ratioRows.push(
        `| ${connections} | ${per("guard, gzip body", "guard, plain body")} | ${per("guard, gzip body", "node+undici, plain body", 0.7)} |`,
      );
    }
    process.stdout.write(
      [
        `POST ${REQUEST.length} B JSON (${GZIPPED.length} B gzip-encoded), answer 2 KiB JSON, validation on; wrk ${threads} thread(s), ${rounds} interleaved rounds of ${seconds} s, medians; loopback, node ${process.version}`,
        "",
        "| connections | target | requests/s | p50 | p99 |",
        "|---|---|---|---|---|",
        ...rows,
        "",
        "| connections | guard gzip / guard plain | guard gzip / node+undici plain (floor of issue 18: 0.7x) |",
        "|---|---|---|",
        ...ratioRows,
        "",
        `gzip decode of the ${GZIPPED.length} B body, in process: ${cost.toFixed(1)} µs per request`,
        "",
      ].join("\n"),
    );
  } finally {
    for (const p of processes) p.kill();
  }
}

if (process.argv[1] === SCRIPT) await main();
