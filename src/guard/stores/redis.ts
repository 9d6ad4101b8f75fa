import { Redis } from "ioredis";
import type { Logger } from "pino";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from "rate-limiter-flexible";
import { checkAcquire, checkLimiterOptions, limiterArguments } from "./memory.js";
import { checkAdd, wholeSeconds } from "./shared-set.js";
import { createRedisSet, type RedisSet, SET_NAMES } from "./shared-set-redis.js";
import type { GuardStore } from "./store.js";

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL (ignored when `client` is given). */
  readonly url: string;
  /** Prefix of every key and channel this store uses. */
  readonly keyPrefix: string;
  readonly logger?: Logger;
  /**
   * A client to use instead of connecting to `url` (it should have the fail-fast options of
   * {@link REDIS_CLIENT_OPTIONS}); the store does not quit a client it was given.
   */
  readonly client?: Redis;
  /** Clock of the set mirrors (epoch ms); default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The ioredis options of the store's connections: a dead Redis must fail requests at once (the
 * policy then applies its onStoreError choice) rather than queue them until it returns.
 */
export const REDIS_CLIENT_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  // ioredis waits this long for a socket to close on disconnect; a dead Redis never answers,
  // and shutdown should not hang on it.
  disconnectTimeout: 200,
  // Reconnect soon after a blip, then every 2 s at most: a restart is noticed within seconds.
  retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
});

// INCR then undo when over `max`, so a refused attempt never holds a slot (KEYS[1] slot key,
// ARGV[1] max, ARGV[2] ttl ms).
const ACQUIRE = `local n = redis.call('INCR', KEYS[1])
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n`;
// A slot key that expired while held comes back at -1 on DECR: delete it rather than go below 0.
const RELEASE = `local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n`;

interface SlotCommands {
  rampartAcquire(key: string, max: number, ttlMs: number): Promise<number>;
  rampartRelease(key: string): Promise<number>;
}

/**
 * The state shared by every guard process on one Redis: limits count across processes, and
 * bans and revocations reach every process's mirror by publish/subscribe. Connects in the
 * background; `up` follows the connection, and while it is down operations reject at once
 * (insured limiters answer from memory).
 *
 * @example
 * ```ts
 * const store = createRedisStore({ url: "redis://127.0.0.1:6379", keyPrefix: "rampart:" });
 * await store.bans.add("203.0.113.9", 600, "operator");
 * store.bans.has("203.0.113.9"); // true here at once, in the other processes within ms
 * await store.close();
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): GuardStore {
  const { keyPrefix, logger } = options;
  if (typeof keyPrefix !== "string") throw new TypeError("keyPrefix must be a string");
  const now = options.now ?? Date.now;
  const owned = options.client === undefined;
  const client = options.client ?? new Redis(options.url, { ...REDIS_CLIENT_OPTIONS });
  // Subscribing takes a connection of its own; it must not resubscribe by itself, as it
  // subscribes at each 'ready' below.
  const subscriber = client.duplicate({ autoResubscribe: false });
  client.defineCommand("rampartAcquire", { numberOfKeys: 1, lua: ACQUIRE });
  client.defineCommand("rampartRelease", { numberOfKeys: 1, lua: RELEASE });
  const slots = client as unknown as SlotCommands;
  const channel = `${keyPrefix}sets`;

  let up = client.status === "ready";
  let closing = false;
  const listeners: ((up: boolean) => void)[] = [];
  const setUp = (value: boolean): void => {
    if (value === up || closing) return;
    up = value;
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        logger?.error({ event: "store-listener-error", error: String(error) });
      }
    }
  };

  const sets = new Map<string, RedisSet>();
  for (const name of SET_NAMES)
    sets.set(name, createRedisSet({ name, client, keyPrefix, channel, now, logger }));
  const revocations = sets.get("revocations") as RedisSet;
  const bans = sets.get("bans") as RedisSet;

  // The mirror loads at each connection of either client: once subscribed, every later change
  // arrives as a message and every earlier one is in the snapshot, so none falls in between.
  const reload = (): void => {
    if (client.status !== "ready" || closing) return;
    for (const set of sets.values()) void set.reload();
  };
  client.on("ready", () => {
    setUp(true);
    reload();
  });
  client.on("close", () => setUp(false));
  client.on("end", () => setUp(false));
  client.on("error", (error: Error) => {
    if (client.status !== "ready") setUp(false);
    // ioredis retries by itself; log each failure at debug, the transition is logged by the guard.
    logger?.debug({ event: "store-error", error: error.message });
  });
  subscriber.on("error", (error: Error) =>
    logger?.debug({ event: "store-subscriber-error", error: error.message }),
  );
  subscriber.on("ready", () => {
    subscriber
      .subscribe(channel)
      .then(reload, (error: Error) =>
        logger?.warn({ event: "store-subscribe-failed", error: error.message }),
      );
  });
  subscriber.on("message", (from: string, text: string) => {
    if (from !== channel) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const name = (message as { set?: unknown } | null)?.set;
    if (typeof name === "string") sets.get(name)?.apply(message);
  });

  // A client given already connected will not emit 'ready' again.
  if (up) reload();

  const limiters = new Map<string, RateLimiterAbstract>();
  return {
    kind: "redis",
    limiter(limit) {
      checkLimiterOptions(limit);
      let limiter = limiters.get(limit.keyPrefix);
      if (limiter === undefined) {
        const args = limiterArguments(limit);
        limiter = new RateLimiterRedis({
          ...args,
          keyPrefix: `${keyPrefix}limit:${limit.keyPrefix}`,
          storeClient: client,
          // Do not wait for a connection that is not there: insurance answers, or the call rejects.
          rejectIfRedisNotReady: true,
          ...(limit.insurance ? { insuranceLimiter: new RateLimiterMemory(args) } : {}),
        });
        limiters.set(limit.keyPrefix, limiter);
      }
      return limiter;
    },
    async acquire(key, max, ttlSeconds) {
      checkAcquire(key, max, ttlSeconds);
      const slotKey = `${keyPrefix}slot:${key}`;
      const taken = await slots.rampartAcquire(slotKey, max, ttlSeconds * 1000);
      if (taken === 0) return undefined;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        // A release lost to an outage is not retried: the slot's ttl frees it.
        slots
          .rampartRelease(slotKey)
          .catch((error: Error) =>
            logger?.debug({ event: "store-release-failed", error: error.message }),
          );
      };
    },
    async putValue(key, value, seconds) {
      checkAdd(key, seconds);
      if (typeof value !== "string") throw new TypeError("value must be a string");
      await client.set(`${keyPrefix}value:${key}`, value, "PX", wholeSeconds(seconds) * 1000);
    },
    async getValue(key) {
      if (typeof key !== "string" || key === "")
        throw new TypeError("key must be a non-empty string");
      return (await client.get(`${keyPrefix}value:${key}`)) ?? undefined;
    },
    revocations,
    bans,
    get up() {
      return up;
    },
    onStatus(listener) {
      listeners.push(listener);
    },
    async close() {
      closing = true;
      const connections = owned ? [client, subscriber] : [subscriber];
      await Promise.all(
        connections.map(async (connection) => {
          if (connection.status === "ready")
            await connection.quit().catch(() => connection.disconnect());
          else connection.disconnect();
        }),
      );
    },
  };
}
