/** Failed-login lockout ("jail", checklist AUTH-03), per username. */
export interface Lockout {
  /** Seconds until `key` may try again, or 0 when it is not locked. */
  retryAfter(key: string): number;
  /** Records a failed attempt. */
  fail(key: string): void;
  /** Records a success: the counter starts again. */
  succeed(key: string): void;
}

export interface LockoutOptions {
  /** Milliseconds since the epoch; injectable so that tests never sleep. */
  readonly now: () => number;
  /** Consecutive failures that lock the key. */
  readonly maxFailures?: number;
  /** First lock duration; each further lock doubles it, up to a day. */
  readonly lockMs?: number;
  /** Keys remembered at most, oldest forgotten first: random usernames cannot exhaust memory. */
  readonly maxKeys?: number;
}

interface Entry {
  failures: number;
  locks: number;
  lockedUntil: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Creates a lockout: after `maxFailures` (5) consecutive failures a key is locked for `lockMs`
 * (15 min); a failure after a lock ran out locks it again for twice as long. It applies to every
 * username alike, existing or not, so that it reveals nothing about which accounts exist.
 *
 * @example
 * ```ts
 * let t = 0;
 * const lockout = createLockout({ now: () => t });
 * for (let i = 0; i < 5; i++) lockout.fail("alice");
 * lockout.retryAfter("alice"); // 900
 * t += 900_000;
 * lockout.retryAfter("alice"); // 0
 * ```
 */
export function createLockout(options: LockoutOptions): Lockout {
  const maxFailures = options.maxFailures ?? 5;
  const lockMs = options.lockMs ?? 15 * 60 * 1000;
  const maxKeys = options.maxKeys ?? 10_000;
  const entries = new Map<string, Entry>();

  const normalise = (key: string): string => key.trim().toLowerCase();

  return {
    retryAfter(key) {
      const entry = entries.get(normalise(key));
      if (!entry) return 0;
      const left = entry.lockedUntil - options.now();
      return left > 0 ? Math.ceil(left / 1000) : 0;
    },
    fail(key) {
      const k = normalise(key);
      const now = options.now();
      const entry = entries.get(k) ?? { failures: 0, locks: 0, lockedUntil: 0 };
      entries.delete(k);
      // A day without trouble after the last lock ran out: the slate is clean again.
      if (entry.locks > 0 && now - entry.lockedUntil > DAY_MS) {
        entry.locks = 0;
        entry.failures = 0;
      }
      entry.failures += 1;
      // After a lock ran out, one more failure is enough to lock again, for longer.
      if (entry.failures >= maxFailures || entry.locks > 0) {
        entry.locks += 1;
        entry.failures = 0;
        entry.lockedUntil = now + Math.min(lockMs * 2 ** (entry.locks - 1), DAY_MS);
      }
      entries.set(k, entry);
      if (entries.size > maxKeys) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },
    succeed(key) {
      entries.delete(normalise(key));
    },
  };
}

/**
 * A lockout that never locks (the `no-lockout` flaw).
 *
 * @example
 * ```ts
 * const lockout = createNoLockout();
 * lockout.fail("alice"); // as often as one likes
 * lockout.retryAfter("alice"); // 0
 * ```
 */
export function createNoLockout(): Lockout {
  return { retryAfter: () => 0, fail: () => {}, succeed: () => {} };
}
