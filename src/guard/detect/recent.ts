/**
 * A map of at most `max` entries that forgets the least recently used ones, half at a time:
 * two generations, the current one and the previous one (the scheme of `quick-lru`). Reading an
 * entry of the previous generation moves it into the current one; once the current one holds
 * `max / 2` entries it becomes the previous one, and the old previous one is dropped whole.
 * Every operation is O(1): no per-entry list to maintain, and no walk over a Map's deleted
 * slots (deleting from the front of a V8 Map and reading `keys().next()` is O(deleted)).
 *
 * @example
 * ```ts
 * const clients = new RecentMap<number>(50_000);
 * clients.set("203.0.113.9", 1);
 * clients.get("203.0.113.9"); // 1
 * ```
 */
export class RecentMap<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private half: number;

  constructor(max: number) {
    this.half = RecentMap.halfOf(max);
  }

  private static halfOf(max: number): number {
    if (!Number.isInteger(max) || max < 2)
      throw new TypeError(`max must be an integer >= 2, got ${max}`);
    return Math.floor(max / 2);
  }

  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.set(key, old);
    }
    return old;
  }

  set(key: string, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= this.half) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  /** A new bound; a smaller one drops the previous generation at once. */
  resize(max: number): void {
    const half = RecentMap.halfOf(max);
    if (half < this.half) this.previous = new Map();
    this.half = half;
  }

  /** Entries held, at most `max`. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
