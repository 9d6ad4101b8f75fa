/**
 * Instructions per proxied request, counted by valgrind's callgrind: the guard against the plain
 * node:http + undici proxy of bench.ts, for the 39-byte and 16 KiB responses.
 *
 *   npm run build && node dist/bench/guard/instructions.js [--small 500] [--large 2500]
 *
 * Requests per second on a shared 2-core machine swing by half from one few-second window to the
 * next; an instruction count does not. Each proxy runs under callgrind twice, serving `--small`
 * and then `--large` requests (8 at a time, keep-alive); the difference between the two totals,
 * divided by the difference in requests, is the cost of one request in user space after start-up
 * and warm-up, with the kernel's share (the same system calls for both proxies, see RESULTS.md)
 * left out. Runs take a few minutes: everything is ~50x slower under valgrind.
 *
 * Needs valgrind (Debian: apt-get install -y valgrind); says so and exits 2 when it is missing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { child, installed, numberOption } from "./bench.js";

const BENCH = fileURLToPath(new URL("./bench.js", import.meta.url));

/** `count` GET requests to `url`, 8 in flight on keep-alive connections. */
function load(url: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const one = (): void => {
      if (sent >= count) return;
      sent++;
      request(url, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        res.resume();
        res.on("end", () => {
          done++;
          if (done === count) {
            agent.destroy();
            resolve();
          } else one();
        });
      })
        .on("error", reject)
        .end();
    };
    for (let i = 0; i < 8; i++) one();
  });
}

/** Instructions callgrind counted in one run of `role` that served `count` requests on `path`. */
async function counted(
  dir: string,
  role: string,
  upstream: string,
  path: string,
  count: number,
): Promise<number> {
  const out = join(dir, `${role}-${path.slice(1)}-${count}.out`);
  const proc: ChildProcess = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      `--callgrind-out-file=${out}`,
      // V8 writes and rewrites its machine code at run time.
      "--smc-check=all-non-file",
      process.execPath,
      // No V8 helper threads: the count is the event loop's work, the same on every run.
      "--single-threaded",
      BENCH,
      role,
      upstream,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.setEncoding("utf8");
    proc.stdout?.once("data", (line: string) => resolve(line.trim()));
    proc.once("exit", (code) => reject(new Error(`${role} under valgrind exited with ${code}`)));
  });
  await load(`${url}${path}`, count);
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGTERM");
  await exited;
  const total = /^summary:\s+(\d+)/m.exec(readFileSync(out, "utf8"))?.[1];
  if (total === undefined) throw new Error(`no summary in ${out}`);
  return Number(total);
}

async function main(): Promise<void> {
  if (!installed("valgrind", ["--version"])) {
    process.stderr.write(
      "bench/guard: valgrind is not installed (Debian: apt-get install -y valgrind); nothing was measured.\n",
    );
    process.exitCode = 2;
    return;
  }
  const few = numberOption(process.argv, "small", 500);
  const many = numberOption(process.argv, "large", 2500);
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-instructions-"));
  const upstream = await child("upstream", "", [], BENCH);
  if ("missing" in upstream) throw new Error(upstream.missing);
  const rows: string[] = [];
  try {
    for (const [size, path] of [
      ["39 B", "/small"],
      ["16 KiB", "/large"],
    ] as const) {
      const perRequest: Record<string, number> = {};
      // Two at a time: one per core; counts do not depend on how busy the machine is.
      for (const role of ["plain", "guard"]) {
        const [a, b] = await Promise.all([
          counted(dir, role, upstream.url, path, few),
          counted(dir, role, upstream.url, path, many),
        ]);
        perRequest[role] = (b - a) / (many - few);
      }
      const plain = perRequest.plain as number;
      const guard = perRequest.guard as number;
      rows.push(
        `| ${size} | ${Math.round(plain / 1000)}k | ${Math.round(guard / 1000)}k | ${(guard / plain).toFixed(3)} |`,
      );
    }
  } finally {
    upstream.process.kill();
  }
  process.stdout.write(
    [
      `callgrind, node ${process.version} --single-threaded, (I(${many}) - I(${few})) / ${many - few} requests, 8 in flight`,
      "",
      "| response | node+undici instructions/request | guard instructions/request | guard / node+undici |",
      "|---|---|---|---|",
      ...rows,
      "",
    ].join("\n"),
  );
}

await main();
