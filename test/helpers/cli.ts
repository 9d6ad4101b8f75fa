import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/main.js";

/** The repository root (tests run from dist/test/..., data and fixtures live in the source tree). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A path under test/fixtures in the source tree. */
export function fixture(name: string): string {
  return `${ROOT}test/fixtures/${name}`;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with captured output, as a user would from a non-TTY shell. */
export async function runCli(
  args: readonly string[],
  options: {
    cwd?: string;
    now?: Date;
    env?: Record<string, string>;
    signal?: AbortSignal;
    /** What the command reads on standard input. */
    stdin?: string;
  } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: options.cwd ?? ROOT,
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stdin !== undefined ? { stdin: [options.stdin] } : {}),
    ...(options.now ? { now: () => options.now as Date } : {}),
  });
  return { code, stdout, stderr };
}
