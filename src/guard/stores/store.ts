import type { RateLimiterAbstract } from "rate-limiter-flexible";

/**
 * Where the guard keeps the state its identity and abuse policies share: rate-limit counters,
 * lockout counters and jails, concurrency slots, the token deny-list and the ban list. In memory
 * for one process; in Redis when several processes or hosts enforce one set of limits
 * (`store: redis://...`). Both implement this one small interface; policies receive it through
 * the request context and never know which one they have.
 */
export interface GuardStore {
  /** `memory` or `redis`, for logs and metrics. */
  readonly kind: "memory" | "redis";
  /**
   * A rate-limiter-flexible limiter over this store, memoised by `keyPrefix` (two calls with the
   * same options return the same instance). With `insurance: true` a Redis store answers from
   * an in-memory limiter of the same options while Redis is unreachable (rate limits keep
   * working per process); without it, Redis errors reject and the policy decides (fail closed).
   */
  limiter(options: LimiterOptions): RateLimiterAbstract;
  /**
   * Takes one of `max` concurrency slots under `key`; resolves to a release function, or to
   * undefined when all slots are taken. A slot whose holder vanished (a crashed process) frees
   * itself after `ttlSeconds`. Rejects when the store is unreachable.
   */
  acquire(key: string, max: number, ttlSeconds: number): Promise<(() => void) | undefined>;
  /**
   * A value stored under `key` for `seconds` (the upstream token behind an edge token); read
   * with {@link getValue}. Rejects when the store is unreachable.
   */
  putValue(key: string, value: string, seconds: number): Promise<void>;
  /** The value under `key`, or undefined when absent or expired. Rejects when unreachable. */
  getValue(key: string): Promise<string | undefined>;
  /** Revoked token ids (`jti`), each kept until its token would have expired anyway. */
  readonly revocations: SharedSet;
  /** Banned client addresses (automatic or by an operator), each for a while. */
  readonly bans: SharedSet;
  /** Whether the backing store answered its last operation (always true in memory). */
  readonly up: boolean;
  /** Called with `true`/`false` when {@link up} changes (metrics, logs). */
  onStatus(listener: (up: boolean) => void): void;
  /** Closes connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

export interface LimiterOptions {
  /** Namespace of the counters: distinct per policy, route and limit. */
  readonly keyPrefix: string;
  /** Requests (or failures) allowed per `durationSeconds`. */
  readonly points: number;
  readonly durationSeconds: number;
  /** Once exhausted, the key stays blocked this long (0: until the window ends). */
  readonly blockDurationSeconds?: number;
  /** Answer from memory while a shared store is unreachable (see {@link GuardStore.limiter}). */
  readonly insurance?: boolean;
}

/**
 * A set of keys with an expiry each, shared by every guard process on the store. `has` is
 * synchronous and reads a local mirror (no I/O on the request path); Redis stores keep their
 * mirror current through publish/subscribe and a full load at connect.
 */
export interface SharedSet {
  /** Seconds left for `key`, 0 when absent or expired. */
  ttl(key: string): number;
  has(key: string): boolean;
  /** Adds `key` for `seconds` (at least 1), everywhere. */
  add(key: string, seconds: number, reason?: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Current entries with their remaining seconds and reason. */
  list(): readonly { readonly key: string; readonly seconds: number; readonly reason?: string }[];
}
