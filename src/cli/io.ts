/** Where a command writes, and what it may read from its environment: passed in, never global. */
export interface CliIO {
  readonly stdout: { write(chunk: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown; readonly isTTY?: boolean };
  readonly cwd: string;
  /** What `rampart audit -` reads (process.stdin); absent when there is none to read. */
  readonly stdin?: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted when the user asks a long-running command to stop (SIGINT, SIGTERM). */
  readonly signal?: AbortSignal;
  /** The current time; injectable for tests. */
  readonly now?: () => Date;
}

/** Colours only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColor(io: CliIO): boolean {
  return Boolean(io.stdout.isTTY) && io.env.NO_COLOR === undefined && io.env.TERM !== "dumb";
}
