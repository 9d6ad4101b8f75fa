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

/** The most requests held back for each open owner that has not used them yet. */
export const MAX_FLOOR = 20;

/** Who asks for requests when nobody says: discovery and tools outside a check. */
export const DEFAULT_OWNER = "scan";

interface Waiter {
  readonly owner: string;
  readonly seq: number;
  grant(): void;
  refuse(error: unknown): void;
}

/**
 * Counts, paces and bounds requests, and shares them fairly between the checks of a scan.
 *
 * - A request is counted when it is granted, right before it is sent: `used` is what went out.
 * - While requests wait for a concurrency slot, the owner that has sent the fewest goes first,
 *   so a check with hundreds of probes cannot starve the cheap ones queued behind it.
 * - Each owner opened with {@link open} has a floor held back for it until it closes: an owner
 *   may not take requests another open owner still needs to reach its floor. It is refused with
 *   ERR_SCAN_BUDGET instead of waiting, so no owner ever waits on another.
 *
 * @example
 * ```ts
 * const budget = createBudget({ maxRequests: 500, concurrency: 8, rate: 20 });
 * budget.open(["in-01-methods", "in-04-sql-injection"]);
 * const release = await budget.acquire(undefined, "in-01-methods");
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
  let seq = 0;
  let floor = 0;
  let refusals = 0;
  const waiting: Waiter[] = [];
  const sent = new Map<string, number>();
  const opened = new Set<string>();
  const interval = limits.rate === undefined ? 0 : 1000 / limits.rate;

  const spent = (owner: string) =>
    new RampartError(
      "ERR_SCAN_BUDGET",
      used >= limits.maxRequests
        ? `request budget of ${limits.maxRequests} spent (--max-requests)`
        : `request budget of ${limits.maxRequests}: the rest is held for other checks (${owner})`,
    );

  const heldForOthers = (owner: string): number => {
    let held = 0;
    for (const other of opened)
      if (other !== owner) held += Math.max(0, floor - (sent.get(other) ?? 0));
    return held;
  };

  const mayTake = (owner: string): boolean =>
    used < limits.maxRequests && limits.maxRequests - used - 1 >= heldForOthers(owner);

  const take = (owner: string): void => {
    used++;
    active++;
    sent.set(owner, (sent.get(owner) ?? 0) + 1);
  };

  const untake = (owner: string): void => {
    used--;
    sent.set(owner, (sent.get(owner) ?? 1) - 1);
  };

  const pump = (): void => {
    while (active < limits.concurrency && waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < waiting.length; i++) {
        const a = waiting[i] as Waiter;
        const b = waiting[best] as Waiter;
        const sa = sent.get(a.owner) ?? 0;
        const sb = sent.get(b.owner) ?? 0;
        if (sa < sb || (sa === sb && a.seq < b.seq)) best = i;
      }
      const [next] = waiting.splice(best, 1) as [Waiter];
      if (!mayTake(next.owner)) {
        refusals++;
        next.refuse(spent(next.owner));
        continue;
      }
      take(next.owner);
      next.grant();
    }
  };

  const release = (): void => {
    active--;
    pump();
  };

  const slot = (owner: string, signal?: AbortSignal): Promise<void> => {
    if (active < limits.concurrency && waiting.length === 0) {
      take(owner);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = waiting.indexOf(waiter);
        if (at >= 0) waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        owner,
        seq: seq++,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        refuse: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.push(waiter);
    });
  };

  return {
    /** Requests granted so far: each was sent (or its TLS handshake started). */
    get used(): number {
      return used;
    },
    get limits(): BudgetLimits {
      return limits;
    },
    /** Requests refused because the budget (or the share held for others) was spent. */
    get refusals(): number {
      return refusals;
    },
    /** Requests granted to one owner. */
    sentBy(owner: string): number {
      return sent.get(owner) ?? 0;
    },
    /**
     * Opens owners that will share what is left: each gets a floor of requests held back for
     * it (at most {@link MAX_FLOOR}, together at most half of what is left) until it closes.
     */
    open(owners: readonly string[]): void {
      for (const owner of owners) opened.add(owner);
      const left = limits.maxRequests - used;
      floor = Math.min(MAX_FLOOR, Math.floor(left / (2 * Math.max(1, opened.size))));
    },
    /** The owner is done: what was held for it goes back to everyone. */
    close(owner: string): void {
      opened.delete(owner);
    },
    async acquire(signal?: AbortSignal, owner: string = DEFAULT_OWNER): Promise<() => void> {
      if (signal?.aborted) throw signal.reason;
      if (!mayTake(owner)) {
        refusals++;
        throw spent(owner);
      }
      await slot(owner, signal);
      if (interval > 0) {
        const now = clock.now();
        const start = Math.max(now, nextStart);
        nextStart = start + interval;
        if (start > now) {
          try {
            await clock.sleep(start - now, signal);
          } catch (error) {
            untake(owner);
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
