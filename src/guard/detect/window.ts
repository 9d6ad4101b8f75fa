/** Buckets per window: the count's resolution is a tenth of the window. */
const BUCKETS = 10;

/**
 * Occurrences within a sliding window, in fixed memory whatever the threshold or the traffic:
 * the window is cut into {@link BUCKETS} buckets of counts (a bucketed sliding window, as rate
 * limiters keep them), so a million hits cost what ten cost.
 *
 * @example
 * ```ts
 * const window = new SlidingCount(60_000);
 * window.hit(Date.now()); // 1
 * ```
 */
export class SlidingCount {
  readonly windowMs: number;
  private readonly bucketMs: number;
  // A plain array of small integers: allocating a typed array costs several times more, and a
  // detector allocates one per client that misbehaves.
  private readonly counts: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  /** Absolute number of the newest bucket (time / bucketMs). */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    if (!(windowMs > 0)) throw new TypeError(`windowMs must be positive, got ${windowMs}`);
    this.windowMs = windowMs;
    this.bucketMs = windowMs / BUCKETS;
  }

  /** Counts one occurrence at `now` (ms); returns the occurrences within the window. */
  hit(now: number): number {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket > this.newest) {
      if (bucket - this.newest >= BUCKETS) this.counts.fill(0);
      else for (let b = this.newest + 1; b <= bucket; b++) this.counts[b % BUCKETS] = 0;
      this.newest = bucket;
    }
    // A clock stepping back counts into the newest bucket rather than a stale one.
    const index = Math.min(bucket, this.newest) % BUCKETS;
    this.counts[index] = (this.counts[index] as number) + 1;
    let total = 0;
    for (const count of this.counts) total += count;
    return total;
  }
}
