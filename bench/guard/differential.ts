/**
 * The differential suite at length (issue 17): the properties of
 * test/adversarial/differential.test.ts over many generated requests, every class of the issue
 * in equal shares, split over worker processes that each start their own Express and Python
 * upstreams and guards. Prints the count, the seed, the time and how often each upstream
 * operation was served; exits 1 on the first bypass or leak of any worker, with its request.
 *
 *   npm run build && node dist/bench/guard/differential.js [--count 100000] [--seed 20261207] [--workers 2]
 *
 * Same count, seed and workers: the same requests.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { type ClassName, caseArb } from "../../test/adversarial/differential/generate.js";
import { startDifferential } from "../../test/adversarial/differential/harness.js";

const CLASSES: readonly ClassName[] = [
  "path forms",
  "method overrides",
  "client-IP aliases",
  "body encodings",
  "query credentials",
  "credential and identity headers",
  "hop-by-hop and Transfer-Encoding",
  "planted responses",
  "mixed",
];

interface Job {
  readonly cls: ClassName;
  readonly seed: number;
  readonly runs: number;
}

interface WorkerResult {
  readonly checked: number;
  readonly served: Record<string, number>;
  readonly failure?: string;
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};

if (process.argv[2] === "--worker") {
  const jobs = JSON.parse(process.argv[3] ?? "[]") as Job[];
  process.send?.(await runJobs(jobs));
  process.exit(0);
} else await main();

async function runJobs(jobs: readonly Job[]): Promise<WorkerResult> {
  const world = await startDifferential();
  try {
    for (const job of jobs) {
      let problems: string[] = [];
      const result = await fc.check(
        fc.asyncProperty(caseArb(job.cls), async (c) => {
          problems = await world.check(c);
          return problems.length === 0;
        }),
        { seed: job.seed, numRuns: job.runs, endOnFailure: true },
      );
      if (result.failed)
        return {
          ...world.stats(),
          failure: `${job.cls} (seed ${job.seed}): ${problems.join("\n")}`,
        };
    }
    return world.stats();
  } finally {
    await world.close();
  }
}

async function main(): Promise<void> {
  const count = arg("--count", 100_000);
  const seed = arg("--seed", 20261207);
  const workers = arg("--workers", 2);
  const perClass = Math.ceil(count / CLASSES.length / workers);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const jobs: Job[] = CLASSES.map((cls, i) => ({
        cls,
        seed: seed + 1000 * i + w,
        runs: perClass,
      }));
      return new Promise<WorkerResult>((resolve, reject) => {
        const child = fork(fileURLToPath(import.meta.url), ["--worker", JSON.stringify(jobs)]);
        child.once("message", (m) => resolve(m as WorkerResult));
        child.once("exit", (code) => {
          if (code !== 0) reject(new Error(`worker ${w} exited with ${code}`));
        });
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const checked = results.reduce((n, r) => n + r.checked, 0);
  const served: Record<string, number> = {};
  for (const r of results)
    for (const [op, n] of Object.entries(r.served)) served[op] = (served[op] ?? 0) + n;
  const failures = results.flatMap((r) => (r.failure ? [r.failure] : []));
  console.log(
    `${checked} generated requests (each to the Express and the Python upstream through its guard), seed ${seed}, ${workers} workers, ${perClass} per class and worker: ${seconds.toFixed(0)} s`,
  );
  console.log("served by the upstreams (both counted):");
  for (const [op, n] of Object.entries(served).sort()) console.log(`  ${op}: ${n}`);
  if (failures.length > 0) {
    console.log(`BYPASS OR LEAK:\n${failures.join("\n\n")}`);
    process.exit(1);
  }
  console.log("bypasses and leaks: 0");
}
