/** Limit of the demo's throttling: requests per window, per client IP and path template. */
export interface RateLimitOptions {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** 100 requests per 10 seconds, per client IP and path template. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { limit: 100, windowSeconds: 10 };

/** The state of one client's window after counting a request. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  /** Seconds until the window resets (at least 1). */
  readonly resetSeconds: number;
  /** Header fields announcing the policy and the quota left. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RateLimiter {
  hit(key: string): RateLimitDecision;
}

/**
 * A fixed-window limiter in memory. Its headers follow draft-ietf-httpapi-ratelimit-headers
 * (`RateLimit-Policy: 100;w=10`, `RateLimit: limit=100, remaining=99, reset=10`); a refused
 * request also gets `Retry-After` (RFC 9110 10.2.3). Time comes from `now` so tests move it.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ limit: 2, windowSeconds: 10 }, () => t);
 * limiter.hit("127.0.0.1 /health").remaining; // 1
 * ```
 */
export function createRateLimiter(options: RateLimitOptions, now: () => number): RateLimiter {
  const windowMs = options.windowSeconds * 1000;
  const windows = new Map<string, { start: number; count: number }>();
  const policy = `${options.limit};w=${options.windowSeconds}`;

  const prune = (at: number): void => {
    for (const [key, window] of windows) if (at - window.start >= windowMs) windows.delete(key);
  };

  return {
    hit(key) {
      const at = now();
      let window = windows.get(key);
      if (!window || at - window.start >= windowMs) {
        if (windows.size > 10_000) prune(at);
        window = { start: at, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      const allowed = window.count <= options.limit;
      const remaining = Math.max(0, options.limit - window.count);
      const resetSeconds = Math.max(1, Math.ceil((window.start + windowMs - at) / 1000));
      const headers: Record<string, string> = {
        "RateLimit-Policy": policy,
        RateLimit: `limit=${options.limit}, remaining=${remaining}, reset=${resetSeconds}`,
      };
      if (!allowed) headers["Retry-After"] = String(resetSeconds);
      return { allowed, remaining, resetSeconds, headers };
    },
  };
}
