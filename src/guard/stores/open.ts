import type { Logger } from "pino";
import { createMemoryStore } from "./memory.js";
import { createRedisStore } from "./redis.js";
import type { GuardStore } from "./store.js";

export interface StoreOptions {
  /** `memory` or a redis:// / rediss:// URL. */
  readonly url: string;
  readonly keyPrefix: string;
  readonly logger?: Logger;
}

/**
 * Opens the store a route table names: memory, or Redis (ioredis, connecting in the background;
 * operations fail fast while it is down rather than queueing). Never throws for an unreachable
 * Redis: the store starts with `up` false and reports through `onStatus` once it connects.
 * Any other URL is a TypeError (the config schema accepts only these forms).
 *
 * @example
 * ```ts
 * const store = openStore({ url: "redis://127.0.0.1:6379", keyPrefix: "rampart:" });
 * store.onStatus((up) => console.log(up ? "store up" : "store down"));
 * ```
 */
export function openStore(options: StoreOptions): GuardStore {
  if (options.url === "memory") return createMemoryStore();
  if (/^rediss?:\/\//i.test(options.url))
    return createRedisStore({
      url: options.url,
      keyPrefix: options.keyPrefix,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  throw new TypeError("store must be `memory` or a redis:// or rediss:// URL");
}
