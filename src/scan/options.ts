import { setMaxListeners } from "node:events";
import { RampartError } from "../core/errors.js";
import type { Vocabulary } from "../vocabulary/vocabulary.js";
import type { LoginRecipe } from "./auth/schema.js";
import type { ScanConfig } from "./config.js";
import { SCAN_PROFILES, type ScanProfile } from "./types.js";

/**
 * Defaults of `rampart scan`, each chosen to be safe against a production API: a bounded number
 * of requests, a few at a time, and the non-intrusive profile.
 */
export const SCAN_DEFAULTS = Object.freeze({
  /** Enough for discovery and every safe check against an API of a few dozen operations. */
  maxRequests: 500,
  /**
   * The `full` profile's default: its intrusive checks send bursts (rate limiting), repeated
   * logins (lockout) and per-parameter probes (injection). Still bounded; `--max-requests` wins.
   */
  maxRequestsFull: 2000,
  /** Requests in flight at most. */
  concurrency: 8,
  /** Per request, in seconds. */
  timeoutSeconds: 10,
  /** Nothing that locks accounts, floods or bombs. */
  profile: "safe" as ScanProfile,
});

export type { LoginRecipe } from "./auth/schema.js";

/** The options of one scan, as the CLI or a program gives them. */
export interface ScanOptions {
  readonly target: string;
  /** OpenAPI document: a file path or an in-scope URL. */
  readonly openapi?: string;
  /** A Postman collection (v2.x) file: more operations. */
  readonly postman?: string;
  /** A HAR 1.2 recording: more operations. */
  readonly har?: string;
  /** Where the document's operations are on the target (`/api`); default: its server's path. */
  readonly basePath?: string;
  /**
   * TLS ends at a proxy in front of the target (the scan reaches it over plain HTTP on purpose):
   * transport findings are reported as info, with that reason.
   */
  readonly behindTlsProxy?: boolean;
  /** An HTTP(S) proxy for every request (Burp, ZAP); default: HTTPS_PROXY / HTTP_PROXY. */
  readonly proxy?: string;
  /** PEM text of a CA to trust for an HTTPS proxy's certificate. */
  readonly proxyCa?: string;
  readonly profile?: ScanProfile;
  readonly maxRequests?: number;
  /** Requests per second; undefined: as fast as concurrency allows. */
  readonly rate?: number;
  readonly concurrency?: number;
  readonly timeoutSeconds?: number;
  /** Extra headers for in-scope requests, e.g. `{ "X-API-Key": "..." }`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly bearer?: string;
  /** More origins the scan may send requests to. */
  readonly scope?: readonly string[];
  readonly login?: LoginRecipe;
  /** The `scan:` section of `rampart.yaml`, handed to the checks as `context.config`. */
  readonly config?: Readonly<ScanConfig>;
  /** The vocabulary with `rampart.yaml`'s additions; default: the built-in words. */
  readonly vocabulary?: Vocabulary;
  /** Resolves relative `--openapi` paths. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** Options with defaults applied and every value checked. */
export interface ResolvedScanOptions {
  readonly target: URL;
  readonly openapi?: string;
  readonly postman?: string;
  readonly har?: string;
  readonly basePath?: string;
  readonly behindTlsProxy: boolean;
  readonly proxy?: string;
  readonly proxyCa?: string;
  readonly profile: ScanProfile;
  readonly maxRequests: number;
  readonly rate?: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly scope: readonly string[];
  readonly login?: LoginRecipe;
  readonly config?: Readonly<ScanConfig>;
  readonly vocabulary?: Vocabulary;
  readonly cwd: string;
  readonly signal: AbortSignal;
}

/**
 * Checks scan options once, reporting every problem at once (ERR_USAGE), and applies defaults.
 *
 * @example
 * ```ts
 * resolveScanOptions({ target: "http://127.0.0.1:8088", maxRequests: 100 }).concurrency; // 8
 * ```
 */
export function resolveScanOptions(options: ScanOptions): Readonly<ResolvedScanOptions> {
  const problems: string[] = [];
  const target = parseTarget(options.target, problems);
  const int = (value: number | undefined, name: string, fallback: number, max: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1 || value > max)
      problems.push(`${name} must be an integer from 1 to ${max} (got ${value})`);
    return value;
  };
  const maxRequests = int(
    options.maxRequests,
    "--max-requests",
    options.profile === "full" ? SCAN_DEFAULTS.maxRequestsFull : SCAN_DEFAULTS.maxRequests,
    1e6,
  );
  const concurrency = int(options.concurrency, "--concurrency", SCAN_DEFAULTS.concurrency, 256);
  const timeout = options.timeoutSeconds ?? SCAN_DEFAULTS.timeoutSeconds;
  if (!(timeout > 0 && timeout <= 600))
    problems.push(`--timeout must be 0-600 seconds (got ${timeout})`);
  if (options.rate !== undefined && !(options.rate > 0 && options.rate <= 10_000))
    problems.push(`--rate must be a number of requests per second above 0 (got ${options.rate})`);
  const profile = options.profile ?? SCAN_DEFAULTS.profile;
  if (!SCAN_PROFILES.includes(profile))
    problems.push(`--profile must be safe or full (got ${profile})`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(value))
      problems.push(`--header "${name}" is not a valid header`);
    else headers[name.toLowerCase()] = value;
  }
  if (options.bearer !== undefined) {
    if (!/^[A-Za-z0-9._~+/=-]+$/.test(options.bearer))
      problems.push("--bearer is not a valid token");
    else headers.authorization = `Bearer ${options.bearer}`;
  }
  if (options.proxy !== undefined && !/^(https?|socks5?):\/\/[^\s/]+/i.test(options.proxy))
    problems.push(`--proxy must be an http://, https:// or socks5:// URL (got "${options.proxy}")`);
  const scope: string[] = [];
  for (const origin of options.scope ?? []) {
    try {
      const url = new URL(origin);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
      scope.push(url.origin);
    } catch {
      problems.push(`--scope "${origin}" is not an http(s) origin`);
    }
  }
  if (options.basePath !== undefined && !/^\/[^\s?#]*$/.test(options.basePath))
    problems.push(`--base-path must be a path starting with / (got "${options.basePath}")`);
  if (problems.length > 0) throw new RampartError("ERR_USAGE", problems.join("; "));
  return Object.freeze({
    target: target as URL,
    ...(options.openapi !== undefined ? { openapi: options.openapi } : {}),
    ...(options.postman !== undefined ? { postman: options.postman } : {}),
    ...(options.har !== undefined ? { har: options.har } : {}),
    ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    behindTlsProxy: options.behindTlsProxy ?? false,
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.proxyCa !== undefined ? { proxyCa: options.proxyCa } : {}),
    profile,
    maxRequests,
    ...(options.rate !== undefined ? { rate: options.rate } : {}),
    concurrency,
    timeoutMs: Math.round(timeout * 1000),
    headers: Object.freeze(headers),
    scope: Object.freeze(scope),
    ...(options.login ? { login: options.login } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.vocabulary ? { vocabulary: options.vocabulary } : {}),
    cwd: options.cwd ?? process.cwd(),
    signal: scanSignal(options.signal),
  });
}

/**
 * The scan's own signal, following the caller's: every request in flight listens to it, so a
 * scan (or several sharing the caller's signal, as `rampart demo` runs them) passes Node's
 * default of 10 listeners without leaking anything.
 */
function scanSignal(parent: AbortSignal | undefined): AbortSignal {
  const signal = parent ? AbortSignal.any([parent]) : new AbortController().signal;
  setMaxListeners(0, signal);
  return signal;
}

function parseTarget(raw: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`"${raw}" is not a URL (expected http://host[:port][/path])`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`"${raw}" is not an http:// or https:// URL`);
    return undefined;
  }
  if (url.username || url.password) {
    problems.push("the target URL must not carry credentials; use --header or --bearer");
    return undefined;
  }
  url.hash = "";
  url.search = "";
  url.pathname = url.pathname.replace(/\/+$/, "") || "/";
  return url;
}
