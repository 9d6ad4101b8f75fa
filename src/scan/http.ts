import { setTimeout as delay } from "node:timers/promises";
import {
  Agent,
  type Dispatcher,
  EnvHttpProxyAgent,
  ProxyAgent,
  request,
  errors as undiciErrors,
} from "undici";
import { RampartError } from "../core/errors.js";
import { isLoopbackHost } from "../core/loopback.js";
import { type Budget, DEFAULT_OWNER } from "./budget.js";
import { normalisePath } from "./operation-match.js";
import { MAX_PROBE_WAIT_MS, MAX_SCAN_WAIT_MS, retryAfterMs } from "./throttle.js";
import type { Exchange, ScanHttp, ScanRequest } from "./types.js";

/** Refused or reset connections in a row, with no answer between, that mean the target is gone. */
export const LOST_AFTER_FAILURES = 8;

/**
 * Timeouts of one operation (method and path, identifiers folded) after which it is not asked
 * again: an endpoint that never answers would otherwise cost every probe the full timeout.
 */
export const SILENT_AFTER_TIMEOUTS = 2;

/** How long a stalled target is waited for before its silence is taken as such. */
export const STALL_WAIT_MS = 45_000;

/**
 * Once {@link ADAPT_AFTER} answers are in, a request waits at most this many times the 95th
 * percentile of their durations, never less than {@link MIN_TIMEOUT_MS} nor more than
 * `--timeout`: an endpoint that hangs costs seconds, not the full timeout, on a fast API.
 */
export const TIMEOUT_FACTOR = 20;
export const MIN_TIMEOUT_MS = 3000;
export const ADAPT_AFTER = 30;

/** Bodies are read up to this many bytes: enough for evidence and parsing, never a download. */
export const BODY_CAP_BYTES = 256 * 1024;

export interface HttpLayerOptions {
  readonly base: URL;
  /** Origins besides the target's that requests may go to (`--scope`). */
  readonly scope: readonly string[];
  readonly budget: Budget;
  /** Per request, headers and body included. */
  readonly timeoutMs: number;
  /** Credentials and other headers added to every in-scope request. */
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly bodyCapBytes?: number;
  /** Called after each request (progress). */
  readonly onRequest?: (exchange: Exchange | undefined) => void;
  /** An HTTP(S) proxy every request goes through (`--proxy`); default: the environment's. */
  readonly proxy?: string;
  /** PEM of a CA to trust for an HTTPS proxy's own certificate (`--ca`). */
  readonly proxyCa?: string;
  /** Every answered exchange, with the owner that sent it (passive analysis). */
  readonly onExchange?: (exchange: Exchange, owner: string) => void;
  /**
   * The scan's credentials were answered 401: log in again and say whether to retry (once). Only
   * requests that carried the scan's credentials trigger it, never anonymous or forged ones.
   */
  readonly onUnauthorized?: () => Promise<boolean>;
  /**
   * Owners (check ids) whose 429 and 503 answers are their evidence (a burst, a lockout probe):
   * never waited out. Everyone else's throttled request waits the server's `Retry-After` once.
   */
  readonly measuresThrottling?: ReadonlySet<string>;
}

/** What one owner's requests came to. */
export interface OwnerStats {
  /** Requests sent (granted by the budget). */
  sent: number;
  /** Sent without an answer: refused, reset, timed out, broken. */
  unanswered: number;
  /** Requests the budget refused (the owner was cut short). */
  refused: number;
  /** Requests not sent because the target had stopped answering. */
  lost: number;
}

/** The scan's HTTP layer: one {@link ScanHttp} per owner, sharing one pool and one budget. */
export interface HttpLayer extends ScanHttp {
  /** A view whose requests are counted and scheduled for `owner` (a check id). */
  view(owner: string): ScanHttp & { readonly stats: Readonly<OwnerStats> };
  /** Why the target is considered gone (consecutive refused or reset connections), if it is. */
  readonly lost: string | undefined;
  close(): Promise<void>;
}

/**
 * The one HTTP layer of a scan (undici): every request is scoped, counted and paced by the
 * budget, timed out, and its body read up to a cap. Redirects are never followed: a check that
 * wants the next hop asks for it, and only in scope. TLS certificates are not verified here,
 * so that a scan of a host with a bad certificate still runs; ACC-02 reports the certificate.
 *
 * @example
 * ```ts
 * const http = createHttpLayer({ base, scope: [], budget, timeoutMs: 10_000, headers: {}, signal });
 * const exchange = await http.send({ url: "/health" });
 * ```
 */
export function createHttpLayer(options: HttpLayerOptions): HttpLayer {
  const origins = new Set([options.base.origin, ...options.scope.map((s) => new URL(s).origin)]);
  const cap = options.bodyCapBytes ?? BODY_CAP_BYTES;
  const dispatcher = dispatcherFor(options);
  const inScope = (url: string | URL): boolean => {
    try {
      return origins.has(new URL(url, options.base).origin);
    } catch {
      return false;
    }
  };

  let failuresInARow = 0;
  let waitedMs = 0;
  let lost: string | undefined;
  const timeouts = new Map<string, number>();
  let waiting: Promise<boolean> | undefined;
  const durations: number[] = [];
  let adapted = options.timeoutMs;
  const answeredIn = (ms: number) => {
    durations.push(ms);
    if (durations.length > 400) durations.splice(0, durations.length - 400);
    if (durations.length < ADAPT_AFTER || durations.length % 10 !== 0) return;
    const sorted = [...durations].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? options.timeoutMs;
    adapted = Math.min(options.timeoutMs, Math.max(MIN_TIMEOUT_MS, p95 * TIMEOUT_FACTOR));
  };

  /**
   * After a timeout: is the whole target stalled (a blocked event loop, a pause), or only that
   * operation slow? Asks the root (anonymously, counted in the budget) until it answers, for at
   * most {@link STALL_WAIT_MS}: true when it answered only after waiting (a stall is over, the
   * request is worth one retry), false when it answered at once or never.
   */
  const stalled = (): Promise<boolean> => {
    waiting ??= (async () => {
      const started = performance.now();
      let waited = false;
      while (performance.now() - started < STALL_WAIT_MS && !options.signal.aborted) {
        let timedOut = false;
        const answer = await send(
          { url: options.base, anonymous: true },
          DEFAULT_OWNER,
          undefined,
          true,
        ).catch((error: unknown) => {
          timedOut = error instanceof RampartError && error.message === "timed out";
          return undefined;
        });
        if (answer) return waited;
        // Only silence is waited out: a spent budget or a refused connection ends the wait.
        if (!timedOut) return false;
        waited = true;
      }
      return false;
    })().finally(() => {
      waiting = undefined;
    });
    return waiting;
  };

  /** A budget slot for the owner, counted in its stats as sent or refused. */
  const acquire = async (owner: string, stats?: OwnerStats): Promise<() => void> => {
    try {
      const release = await options.budget.acquire(options.signal, owner);
      if (stats) stats.sent++;
      return release;
    } catch (error) {
      if (stats && error instanceof RampartError && error.code === "ERR_SCAN_BUDGET")
        stats.refused++;
      throw error;
    }
  };

  const send = async (
    req: ScanRequest,
    owner: string,
    stats?: OwnerStats,
    retried = false,
  ): Promise<Exchange> => {
    const url = resolve(options.base, req.url);
    const sameHost = req.transportProbe === true && url.hostname === options.base.hostname;
    if (!inScope(url) && !sameHost)
      throw new TypeError(`request to ${url.origin} is out of the scan's scope`);
    const method = (req.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {
      "user-agent": "rampart-scan",
      ...lower(req.headers ?? {}),
      ...(req.anonymous || !inScope(url) ? {} : lower(options.headers)),
    };
    if (lost !== undefined) {
      if (stats) stats.lost++;
      throw new RampartError("ERR_TARGET_UNREACHABLE", `the target stopped answering (${lost})`, {
        source: url.origin,
      });
    }
    // Identifiers and probe values in the path fold into one operation: a hanging endpoint is
    // recognised whatever its path parameter holds.
    const operation = `${method} ${normalisePath(url.pathname).replace(/\/[^/]*[^\w./~-][^/]*/g, "/{x}")}`;
    if ((timeouts.get(operation) ?? 0) >= SILENT_AFTER_TIMEOUTS) {
      if (stats) stats.unanswered++;
      throw new RampartError(
        "ERR_TARGET_UNREACHABLE",
        `${operation} timed out ${SILENT_AFTER_TIMEOUTS} times: not asked again`,
        { source: url.origin },
      );
    }
    const release = await acquire(owner, stats);
    let released = false;
    const started = performance.now();
    const { signal, clear } = deadline(options.signal, adapted);
    try {
      const res = await request(url, {
        method: method as "GET",
        headers,
        body: req.body,
        dispatcher,
        signal,
      });
      const { text, truncated } = await readCapped(res.body, cap);
      const exchange = {
        ...toExchange(method, url, headers, res.statusCode, res.headers, text, truncated),
        ...(req.body !== undefined ? { requestBody: req.body } : {}),
      };
      failuresInARow = 0;
      answeredIn(performance.now() - started);
      options.onRequest?.(exchange);
      options.onExchange?.(exchange, owner);
      // A server that asks to wait (RFC 6585 section 4, RFC 9110 section 10.2.3) is waited for,
      // within the scan's limits, so that its throttle is not read as the probe's answer.
      const wait =
        (exchange.status === 429 || exchange.status === 503) &&
        !retried &&
        !options.measuresThrottling?.has(owner)
          ? retryAfterMs(exchange)
          : undefined;
      if (wait !== undefined && wait <= MAX_PROBE_WAIT_MS && waitedMs + wait <= MAX_SCAN_WAIT_MS) {
        waitedMs += wait;
        clear();
        release();
        released = true;
        await delay(wait, undefined, { signal: options.signal }).catch(() => undefined);
        if (options.signal.aborted) throw options.signal.reason;
        return send(req, owner, stats, true);
      }
      const credentialed =
        !req.anonymous && inScope(url) && Object.keys(options.headers).length > 0;
      if (exchange.status === 401 && credentialed && !retried && options.onUnauthorized) {
        clear();
        release();
        released = true;
        if (await options.onUnauthorized()) return send(req, owner, stats, true);
      }
      return exchange;
    } catch (error) {
      options.onRequest?.(undefined);
      if (options.signal.aborted) throw options.signal.reason;
      const reason = describe(error);
      // Only a target that has answered before can be stalled; one that never did is unreachable.
      if (reason === "timed out" && !retried && lost === undefined && durations.length > 0) {
        clear();
        release();
        released = true;
        // A target that stalled for everyone is waited for, and the request asked once more.
        if (await stalled()) return send(req, owner, stats, true);
      }
      if (stats) stats.unanswered++;
      if (reason === "timed out") timeouts.set(operation, (timeouts.get(operation) ?? 0) + 1);
      if (/^connection (refused|reset)$/.test(reason) && ++failuresInARow >= LOST_AFTER_FAILURES)
        lost ??= reason;
      throw new RampartError("ERR_TARGET_UNREACHABLE", reason, {
        source: url.origin,
        cause: error,
      });
    } finally {
      if (!released) {
        clear();
        release();
      }
    }
  };

  const facade = (owner: string, stats?: OwnerStats): ScanHttp => ({
    send: (req) => send(req, owner, stats),
    async trySend(req) {
      try {
        return await send(req, owner, stats);
      } catch (error) {
        // No answer, for whatever reason the request went unanswered or unsent: the owner's
        // stats say which, and the engine never counts it as evidence of a pass.
        if (
          error instanceof RampartError &&
          (error.code === "ERR_TARGET_UNREACHABLE" || (stats && error.code === "ERR_SCAN_BUDGET"))
        )
          return undefined;
        throw error;
      }
    },
    async reserve() {
      const release = await acquire(owner, stats);
      options.onRequest?.(undefined);
      return release;
    },
    inScope,
    get requests() {
      return options.budget.used;
    },
  });

  return {
    ...facade(DEFAULT_OWNER),
    get requests() {
      return options.budget.used;
    },
    view(owner) {
      const stats: OwnerStats = { sent: 0, unanswered: 0, refused: 0, lost: 0 };
      return Object.assign(facade(owner, stats), { stats });
    },
    get lost() {
      return lost;
    },
    close: () => dispatcher.close(),
  };
}

/**
 * The connection pool: direct, through `--proxy` (Burp, ZAP: every request tunnels through it,
 * and `--ca` makes an HTTPS proxy's certificate trusted), or through the proxy the environment
 * names (`HTTPS_PROXY` / `HTTP_PROXY`, with `NO_PROXY` exceptions) when there is one.
 */
function dispatcherFor(options: HttpLayerOptions): Dispatcher {
  const base = {
    connections: options.budget.limits.concurrency,
    connect: { rejectUnauthorized: false, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  };
  const tls = { rejectUnauthorized: false, timeout: options.timeoutMs };
  const proxyTls = options.proxyCa ? { ca: options.proxyCa } : {};
  if (options.proxy)
    return new ProxyAgent({ ...base, uri: options.proxy, requestTls: tls, proxyTls });
  const env = process.env;
  // A loopback target is never reached through the environment's proxy.
  if (isLoopbackHost(options.base.hostname)) return new Agent(base);
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy)
    return new EnvHttpProxyAgent({ ...base, requestTls: tls, proxyTls });
  return new Agent(base);
}

/**
 * Aborts when the scan does or when `ms` have passed: headers and the whole body (undici's
 * bodyTimeout only bounds the pause between chunks, so a byte a second would never end). A
 * plain timer, not AbortSignal.any() over AbortSignal.timeout(): the timeout signal is only weakly
 * held there and can be collected before it fires, leaving the request to hang (nodejs/node#48951).
 */
function deadline(scan: AbortSignal, ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(scan.reason);
  if (scan.aborted) onAbort();
  else scan.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException("timed out", "TimeoutError")),
    ms,
  );
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      scan.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * A request URL as the scan sends it: absolute URLs as they are, paths relative to the base
 * path ("/x" against "http://h/api" is "http://h/api/x").
 *
 * @example
 * ```ts
 * resolve(new URL("http://127.0.0.1:8080/api"), "/users").href; // "http://127.0.0.1:8080/api/users"
 * ```
 */
export function resolve(base: URL, url: string | URL): URL {
  if (url instanceof URL) return url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url);
  const prefix = base.pathname.replace(/\/+$/, "");
  return new URL(`${base.origin}${prefix}${url.startsWith("/") ? url : `/${url}`}`);
}

function lower(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  cap: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      return { text: Buffer.concat(chunks).subarray(0, cap).toString("utf8"), truncated: true };
    }
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated: false };
}

function toExchange(
  method: string,
  url: URL,
  requestHeaders: Record<string, string>,
  status: number,
  raw: Record<string, string | string[] | undefined>,
  body: string,
  truncated: boolean,
): Exchange {
  const headers: Record<string, string> = {};
  let setCookies: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === "set-cookie") setCookies = Array.isArray(value) ? value : [value];
    else headers[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    method,
    url: url.href,
    requestHeaders,
    status,
    headers,
    setCookies,
    body,
    truncated,
  };
}

function describe(error: unknown): string {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  )
    return "timed out";
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause = (error as { cause?: { code?: string; reason?: string } } | undefined)?.cause;
  const code = (error as { code?: string } | undefined)?.code ?? cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code?.startsWith("ERR_SSL_")) {
    const reason = (error as { reason?: string }).reason ?? cause?.reason ?? code;
    return `TLS handshake failed (${reason})`;
  }
  return error instanceof Error ? error.message : String(error);
}
