import type { Exchange } from "./types.js";

/**
 * What the server asks a client to wait before asking again, in milliseconds: `Retry-After`
 * as seconds or as an HTTP date (RFC 9110 section 10.2.3), else the `RateLimit-Reset` /
 * `X-RateLimit-Reset` seconds of the rate-limit header drafts. Undefined when it says nothing.
 *
 * @example
 * ```ts
 * retryAfterMs({ headers: { "retry-after": "3" } } as Exchange); // 3000
 * ```
 */
export function retryAfterMs(
  exchange: Pick<Exchange, "headers">,
  now = Date.now(),
): number | undefined {
  const retry = exchange.headers["retry-after"]?.trim();
  if (retry) {
    if (/^\d+$/.test(retry)) return Number(retry) * 1000;
    const date = Date.parse(retry);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = (
    exchange.headers["ratelimit-reset"] ?? exchange.headers["x-ratelimit-reset"]
  )?.trim();
  // Some servers send an epoch time here; only a delay in seconds is a wait.
  if (reset && /^\d+$/.test(reset) && Number(reset) < 86_400) return Number(reset) * 1000;
  return undefined;
}

/** A throttled probe waits at most this long for the server's `Retry-After`, and once. */
export const MAX_PROBE_WAIT_MS = 10_000;

/** The whole scan waits at most this long, in all, for throttled probes. */
export const MAX_SCAN_WAIT_MS = 60_000;
