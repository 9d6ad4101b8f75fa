#!/usr/bin/env node
import { run } from "./main.js";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => controller.abort(signal));
}
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // Touched only when a command reads it (`audit -`): an unused stdin must not hold the process.
  stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
