import { Agent, request, errors as undiciErrors } from "undici";
import { RampartError } from "../core/errors.js";
import type { Budget } from "./budget.js";
import type { Exchange, ScanHttp, ScanRequest } from "./types.js";

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
export function createHttpLayer(options: HttpLayerOptions): ScanHttp & { close(): Promise<void> } {
  const origins = new Set([options.base.origin, ...options.scope.map((s) => new URL(s).origin)]);
  const cap = options.bodyCapBytes ?? BODY_CAP_BYTES;
  const dispatcher = new Agent({
    connections: options.budget.limits.concurrency,
    connect: { rejectUnauthorized: false, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const inScope = (url: string | URL): boolean => {
    try {
      return origins.has(new URL(url, options.base).origin);
    } catch {
      return false;
    }
  };

  const send = async (req: ScanRequest): Promise<Exchange> => {
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
    const release = await options.budget.acquire(options.signal);
    const { signal, clear } = deadline(options.signal, options.timeoutMs);
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
      options.onRequest?.(exchange);
      return exchange;
    } catch (error) {
      options.onRequest?.(undefined);
      if (options.signal.aborted) throw options.signal.reason;
      throw new RampartError("ERR_TARGET_UNREACHABLE", describe(error), {
        source: url.origin,
        cause: error,
      });
    } finally {
      clear();
      release();
    }
  };

  return {
    send,
    async trySend(req) {
      try {
        return await send(req);
      } catch (error) {
        if (error instanceof RampartError && error.code === "ERR_TARGET_UNREACHABLE")
          return undefined;
        throw error;
      }
    },
    async reserve() {
      const release = await options.budget.acquire(options.signal);
      options.onRequest?.(undefined);
      return release;
    },
    inScope,
    get requests() {
      return options.budget.used;
    },
    close: () => dispatcher.close(),
  };
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

function resolve(base: URL, url: string | URL): URL {
  if (url instanceof URL) return url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url);
  // Paths are relative to the base path: "/x" against "http://h/api" is "http://h/api/x".
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
