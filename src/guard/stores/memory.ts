import { type RateLimiterAbstract, RateLimiterMemory } from "rate-limiter-flexible";
import {
  checkAdd,
  createLocalSet,
  createMemorySet,
  MAX_SET_ENTRIES,
  wholeSeconds,
} from "./shared-set.js";
import type { GuardStore, LimiterOptions } from "./store.js";

export interface MemoryStoreOptions {
  /** The clock of the sets and slots (epoch ms); tests pass a fake one. Default `Date.now`. */
  readonly now?: () => number;
  /** Entries kept at most per set (oldest evicted). Default 100 000. */
  readonly maxSetEntries?: number;
}

/**
 * The state of one guard process: nothing is shared, nothing can be unreachable (`up` is
 * always true). Right for a single process; several processes need the Redis store.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const limiter = store.limiter({ keyPrefix: "rate:/login", points: 5, durationSeconds: 60 });
 * await limiter.consume("203.0.113.9");
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): GuardStore {
  const now = options.now ?? Date.now;
  const max = options.maxSetEntries ?? MAX_SET_ENTRIES;
  const limiters = new Map<string, RateLimiterAbstract>();
  const slots = new Map<string, { count: number; expiresAt: number }>();
  const values = createLocalSet(now, max);
  return {
    kind: "memory",
    limiter(limit) {
      checkLimiterOptions(limit);
      let limiter = limiters.get(limit.keyPrefix);
      if (limiter === undefined) {
        limiter = new RateLimiterMemory(limiterArguments(limit));
        limiters.set(limit.keyPrefix, limiter);
      }
      return limiter;
    },
    async acquire(key, maxSlots, ttlSeconds) {
      checkAcquire(key, maxSlots, ttlSeconds);
      const t = now();
      let slot = slots.get(key);
      if (slot === undefined || slot.expiresAt <= t) {
        slot = { count: 0, expiresAt: 0 };
        slots.set(key, slot);
      }
      if (slot.count >= maxSlots) return undefined;
      slot.count += 1;
      // Like the Redis key, the ttl restarts at each acquisition: it only matters once the
      // holders are gone.
      slot.expiresAt = t + ttlSeconds * 1000;
      const held = slot;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (slots.get(key) !== held) return;
        held.count -= 1;
        if (held.count <= 0) slots.delete(key);
      };
    },
    async putValue(key, value, seconds) {
      checkAdd(key, seconds);
      if (typeof value !== "string") throw new TypeError("value must be a string");
      // The entry's `reason` carries the value: same bounded, lazily expired map.
      values.put(key, { expiresAt: now() + wholeSeconds(seconds) * 1000, reason: value });
    },
    async getValue(key) {
      return values.get(key)?.reason;
    },
    revocations: createMemorySet(now, max),
    bans: createMemorySet(now, max),
    up: true,
    onStatus() {
      // Memory never goes down: no listener is ever called.
    },
    async close() {
      limiters.clear();
      slots.clear();
      values.clear();
    },
  };
}

/**
 * The rate-limiter-flexible options both stores build from {@link LimiterOptions}.
 *
 * @example
 * ```ts
 * new RateLimiterMemory(limiterArguments({ keyPrefix: "p", points: 5, durationSeconds: 60 }));
 * ```
 */
export function limiterArguments(limit: LimiterOptions): {
  keyPrefix: string;
  points: number;
  duration: number;
  blockDuration: number;
} {
  return {
    keyPrefix: limit.keyPrefix,
    points: limit.points,
    duration: limit.durationSeconds,
    blockDuration: limit.blockDurationSeconds ?? 0,
  };
}

/**
 * Misuse of `limiter()` is a TypeError (the config schema already bounds user values).
 *
 * @example
 * ```ts
 * checkLimiterOptions({ keyPrefix: "p", points: 0, durationSeconds: 60 }); // throws
 * ```
 */
export function checkLimiterOptions(limit: LimiterOptions): void {
  if (typeof limit.keyPrefix !== "string" || limit.keyPrefix.length === 0)
    throw new TypeError("keyPrefix must be a non-empty string");
  if (!Number.isInteger(limit.points) || limit.points < 1)
    throw new TypeError("points must be a positive integer");
  if (!Number.isInteger(limit.durationSeconds) || limit.durationSeconds < 1)
    throw new TypeError("durationSeconds must be a positive integer");
  const block = limit.blockDurationSeconds ?? 0;
  if (!Number.isInteger(block) || block < 0)
    throw new TypeError("blockDurationSeconds must be a non-negative integer");
}

/**
 * Misuse of `acquire()` is a TypeError.
 *
 * @example
 * ```ts
 * checkAcquire("upstream", 0, 30); // throws: max must be a positive integer
 * ```
 */
export function checkAcquire(key: string, max: number, ttlSeconds: number): void {
  if (typeof key !== "string" || key.length === 0)
    throw new TypeError("key must be a non-empty string");
  if (!Number.isInteger(max) || max < 1) throw new TypeError("max must be a positive integer");
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
    throw new TypeError("ttlSeconds must be a positive integer");
}
