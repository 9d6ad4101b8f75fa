import { RampartError } from "../core/errors.js";

/** The limits one scan obeys, all enforced in one place. */
export interface BudgetLimits {
  /** Requests (and TLS handshakes) in total; the scan never sends more. */
  readonly maxRequests: number;
  /** Requests per second at most; undefined for no pacing. */
  readonly rate?: number;
  /** Requests in flight at most. */
  readonly concurrency: number;
}

/** Milliseconds since some origin, and a way to wait: injectable for tests. */
export interface BudgetClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: BudgetClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    }),
};

/**
 * Counts, paces and bounds requests. `acquire()` resolves to a release function once the request
 * may start: the count is taken first (so the limit is exact even with many waiters), then a
 * concurrency slot, then the pacing interval.
 *
 * @example
 * ```ts
 * const budget = createBudget({ maxRequests: 500, concurrency: 8, rate: 20 });
 * const release = await budget.acquire();
 * try { await sendIt(); } finally { release(); }
 * ```
 */
export function createBudget(limits: BudgetLimits, clock: BudgetClock = REAL_CLOCK) {
  if (!Number.isInteger(limits.maxRequests) || limits.maxRequests < 1)
    throw new TypeError("maxRequests must be a positive integer");
  if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1)
    throw new TypeError("concurrency must be a positive integer");
  if (limits.rate !== undefined && !(limits.rate > 0)) throw new TypeError("rate must be > 0");
  let used = 0;
  let active = 0;
  let nextStart = 0;
  const waiting: (() => void)[] = [];
  const interval = limits.rate === undefined ? 0 : 1000 / limits.rate;

  const release = (): void => {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  };

  return {
    get used(): number {
      return used;
    },
    get limits(): BudgetLimits {
      return limits;
    },
    async acquire(signal?: AbortSignal): Promise<() => void> {
      if (signal?.aborted) throw signal.reason;
      if (used >= limits.maxRequests) {
        throw new RampartError(
          "ERR_SCAN_BUDGET",
          `request budget of ${limits.maxRequests} spent (--max-requests)`,
        );
      }
      used++;
      if (active < limits.concurrency) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      if (interval > 0) {
        const now = clock.now();
        const start = Math.max(now, nextStart);
        nextStart = start + interval;
        if (start > now) {
          try {
            await clock.sleep(start - now, signal);
          } catch (error) {
            release();
            throw error;
          }
        }
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
  };
}

export type Budget = ReturnType<typeof createBudget>;
