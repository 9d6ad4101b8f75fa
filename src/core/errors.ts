/**
 * Every error Rampart raises on purpose carries a stable `code` from {@link ERROR_CODES}.
 * Codes are never renamed or reused: scripts and CI pipelines may match on them.
 *
 * @example
 * ```ts
 * throw new RampartError("ERR_USAGE", "unknown format \"pdf\"");
 * ```
 */

/** Stable error codes, each with the process exit code the CLI uses for it. */
export const ERROR_CODES = {
  /** Bad command-line input: unknown option, bad option value, missing argument. */
  ERR_USAGE: { exit: 2 },
  /** A config file could not be read (missing, unreadable, too large). */
  ERR_CONFIG_READ: { exit: 2 },
  /** A config file is not well-formed YAML, or breaks the YAML safety limits. */
  ERR_CONFIG_PARSE: { exit: 2 },
  /** A config file parsed but does not match the schema; `problems` lists every one. */
  ERR_CONFIG_INVALID: { exit: 2 },
  /** The bundled catalog data is inconsistent (a packaging defect, not user input). */
  ERR_CATALOG_INVALID: { exit: 2 },
  /** An unknown demo flaw name was requested. */
  ERR_DEMO_FLAW_UNKNOWN: { exit: 2 },
  /**
   * The demo needs an optional dependency (sql.js) that this install left out
   * (`npm install --omit=optional`); the message says how to add it.
   */
  ERR_DEMO_DEPENDENCY: { exit: 2 },
  /** A network listener could not be started (port in use, address not allowed). */
  ERR_LISTEN: { exit: 2 },
  /** The target of a scan could not be reached. */
  ERR_TARGET_UNREACHABLE: { exit: 3 },
  /**
   * A scan's login (recipe, OAuth grant or `scan.credentials`) was refused or gave no token: the
   * message names the request, the answer's status and a redacted excerpt of its body.
   */
  ERR_LOGIN_FAILED: { exit: 2 },
  /**
   * A scan's login stayed throttled (429 / 503) longer than the scan waits for it: the message
   * names the request and the wait the server asked for.
   */
  ERR_LOGIN_THROTTLED: { exit: 2 },
  /**
   * A scan spent its request budget (`--max-requests`). Raised inside the scan only: the check
   * that hits it is reported as not tested, and the scan still exits with its findings' code.
   */
  ERR_SCAN_BUDGET: { exit: 2 },
  /** An OpenAPI document (or a file one of its `$ref`s points to) could not be read. */
  ERR_OPENAPI_READ: { exit: 2 },
  /** An OpenAPI document is not well-formed, not 2.0 / 3.0 / 3.1, or breaks its specification. */
  ERR_OPENAPI_INVALID: { exit: 2 },
  /** An OpenAPI document `$ref`s a remote (http/https) file and remote refs were not allowed. */
  ERR_OPENAPI_REMOTE_REF: { exit: 2 },
  /** A `--baseline` file is missing, not a Rampart JSON report, or of another kind. */
  ERR_BASELINE_INVALID: { exit: 2 },
  /** A defect in Rampart itself (EX_SOFTWARE); `RAMPART_DEBUG=1` prints the stack. */
  ERR_INTERNAL: { exit: 70 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem found while validating input, located by a JSON pointer and, when known, a source position. */
export interface Problem {
  /** JSON pointer into the validated document, `""` for the root. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the source file, when the document came from a file. */
  readonly line?: number;
  readonly column?: number;
}

/**
 * The one base class of Rampart's own errors.
 *
 * @example
 * ```ts
 * try { loadConfigFile("rampart.yaml"); }
 * catch (e) { if (e instanceof RampartError && e.code === "ERR_CONFIG_INVALID") console.log(e.problems); }
 * ```
 */
export class RampartError extends Error {
  override readonly name = "RampartError";
  readonly code: ErrorCode;
  /** Where the error is about (a file name, a URL), when there is one. */
  readonly source: string | undefined;
  readonly problems: readonly Problem[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { source?: string; problems?: readonly Problem[]; cause?: unknown } = {},
  ) {
    if (!(code in ERROR_CODES)) throw new TypeError(`unknown error code ${String(code)}`);
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.source = options.source;
    this.problems = Object.freeze([...(options.problems ?? [])]);
  }

  /** The process exit code that the CLI uses for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** Formats an error for a terminal: one line, or one line per problem, never a stack trace. */
export function formatError(error: unknown): string {
  if (!(error instanceof RampartError)) {
    const message = error instanceof Error ? error.message : String(error);
    return `rampart: ERR_INTERNAL ${firstLine(message)}`;
  }
  const head = `rampart: ${error.code} ${error.source ? `${error.source}: ` : ""}${firstLine(error.message)}`;
  if (error.problems.length === 0) return head;
  const lines = error.problems.map((p) => {
    const at = p.line === undefined ? "" : `:${p.line}:${p.column ?? 1}`;
    return `  ${error.source ?? ""}${at} ${p.path || "/"}: ${p.message}`;
  });
  return [head, ...lines].join("\n");
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
