import type { SharedSet } from "./store.js";

/** One entry of a {@link LocalSet}: when it lapses (epoch ms) and why it was added. */
export interface LocalEntry {
  readonly expiresAt: number;
  readonly reason?: string;
}

/**
 * The in-process half of a {@link SharedSet}: a bounded map of keys to expiry times, expired
 * lazily on read. The memory store uses it as is; the Redis store keeps one as its mirror.
 */
export interface LocalSet {
  ttl(key: string): number;
  get(key: string): LocalEntry | undefined;
  put(key: string, entry: LocalEntry): void;
  remove(key: string): void;
  clear(): void;
  list(): { key: string; seconds: number; reason?: string }[];
  readonly size: number;
}

/** Entries kept at most per set: a flood of bans must not exhaust the process's memory. */
export const MAX_SET_ENTRIES = 100_000;

/**
 * Creates a {@link LocalSet} on the clock `now` (epoch ms), holding at most `max` entries
 * (the oldest inserted is evicted first).
 *
 * @example
 * ```ts
 * const set = createLocalSet(() => Date.now());
 * set.put("203.0.113.9", { expiresAt: Date.now() + 60_000 });
 * set.ttl("203.0.113.9"); // 60
 * ```
 */
export function createLocalSet(now: () => number, max = MAX_SET_ENTRIES): LocalSet {
  if (!Number.isInteger(max) || max < 1) throw new TypeError("max must be a positive integer");
  const entries = new Map<string, LocalEntry>();
  const live = (key: string): LocalEntry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    get: live,
    ttl(key) {
      const entry = live(key);
      // Rounded up: an entry with 200 ms left is still there, and Retry-After must not say 0.
      return entry === undefined ? 0 : Math.ceil((entry.expiresAt - now()) / 1000);
    },
    put(key, entry) {
      // Re-inserting moves the key to the end, so eviction order is insertion order.
      entries.delete(key);
      if (entries.size >= max) sweep();
      while (entries.size >= max) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
      entries.set(key, entry);
    },
    remove(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    list() {
      const out: { key: string; seconds: number; reason?: string }[] = [];
      for (const key of [...entries.keys()]) {
        const entry = live(key);
        if (entry === undefined) continue;
        const seconds = Math.ceil((entry.expiresAt - now()) / 1000);
        out.push(
          entry.reason === undefined ? { key, seconds } : { key, seconds, reason: entry.reason },
        );
      }
      return out;
    },
    get size() {
      return entries.size;
    },
  };

  function sweep(): void {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  }
}

/**
 * Validates `add`'s arguments the same way in both stores (misuse is a TypeError).
 *
 * @example
 * ```ts
 * checkAdd("203.0.113.9", 600); // fine; checkAdd("", 600) throws
 * ```
 */
export function checkAdd(key: string, seconds: number): void {
  if (typeof key !== "string" || key.length === 0)
    throw new TypeError("key must be a non-empty string");
  if (!Number.isFinite(seconds)) throw new TypeError("seconds must be a finite number");
}

/**
 * `seconds` as the set stores it: whole, at least 1 (the contract's floor).
 *
 * @example
 * ```ts
 * wholeSeconds(0.2); // 1
 * ```
 */
export function wholeSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}

/**
 * A {@link SharedSet} of one process (the memory store).
 *
 * @example
 * ```ts
 * const bans = createMemorySet(() => Date.now());
 * await bans.add("203.0.113.9", 600, "operator");
 * bans.has("203.0.113.9"); // true
 * ```
 */
export function createMemorySet(now: () => number, max = MAX_SET_ENTRIES): SharedSet {
  const local = createLocalSet(now, max);
  return {
    ttl: (key) => local.ttl(key),
    has: (key) => local.ttl(key) > 0,
    async add(key, seconds, reason) {
      checkAdd(key, seconds);
      local.put(key, {
        expiresAt: now() + wholeSeconds(seconds) * 1000,
        ...(reason === undefined ? {} : { reason }),
      });
    },
    async delete(key) {
      local.remove(key);
    },
    list: () => local.list(),
  };
}
