import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { checkAdd, createLocalSet, type LocalEntry, wholeSeconds } from "./shared-set.js";
import type { SharedSet } from "./store.js";

/** The sets of a {@link GuardStore}, as named in their keys and messages. */
export const SET_NAMES = ["revocations", "bans"] as const;

/** A {@link SharedSet} kept in Redis, with the hooks its store drives. */
export interface RedisSet extends SharedSet {
  /** Replaces the mirror with what Redis holds (at each connection), then re-sends local changes. */
  reload(): Promise<void>;
  /** Applies a message another process (or this one) published. */
  apply(message: unknown): void;
}

export interface RedisSetOptions {
  readonly name: string;
  readonly client: Redis;
  readonly keyPrefix: string;
  /** The channel every process's store publishes set changes on. */
  readonly channel: string;
  readonly now: () => number;
  readonly logger?: Logger | undefined;
}

type Change = { readonly op: "add"; readonly entry: LocalEntry } | { readonly op: "del" };

/**
 * One Redis key per entry (`<prefix>set:<name>:<key>`, value the reason, PX its ttl), and a local
 * mirror that `has`/`ttl`/`list` read without I/O. `add`/`delete` write Redis and publish the
 * change; when Redis is down they reject but still change the mirror (this process honours
 * the change at once) and remember it, to write it once Redis is back.
 *
 * @example
 * ```ts
 * const bans = createRedisSet({ name: "bans", client, keyPrefix: "rampart:", channel: "rampart:sets", now: Date.now });
 * await bans.reload();
 * ```
 */
export function createRedisSet(options: RedisSetOptions): RedisSet {
  const { name, client, channel, now, logger } = options;
  const base = `${options.keyPrefix}set:${name}:`;
  const local = createLocalSet(now);
  // Changes Redis has not seen yet (it was down), by key.
  const pending = new Map<string, Change>();
  // While a reload scans, the changes that arrive are noted here and win over the snapshot.
  let during: Map<string, Change> | undefined;
  let generation = 0;

  const change = (key: string, next: Change): void => {
    if (next.op === "add") local.put(key, next.entry);
    else local.remove(key);
    during?.set(key, next);
  };

  const write = async (key: string, next: Change): Promise<void> => {
    const transaction = client.multi();
    if (next.op === "add") {
      const ttlMs = Math.max(1, next.entry.expiresAt - now());
      transaction.set(base + key, next.entry.reason ?? "", "PX", ttlMs);
      transaction.publish(channel, message(key, { ttlMs, reason: next.entry.reason }));
    } else {
      transaction.del(base + key);
      transaction.publish(channel, message(key, undefined));
    }
    const results = await transaction.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  };

  const message = (key: string, add: { ttlMs: number; reason?: string | undefined } | undefined) =>
    JSON.stringify(
      add === undefined
        ? { set: name, op: "del", key }
        : { set: name, op: "add", key, ttlMs: add.ttlMs, reason: add.reason },
    );

  const update = async (key: string, next: Change): Promise<void> => {
    change(key, next);
    try {
      await write(key, next);
      pending.delete(key);
    } catch (error) {
      pending.set(key, next);
      throw error;
    }
  };

  return {
    ttl: (key) => local.ttl(key),
    has: (key) => local.ttl(key) > 0,
    list: () => local.list(),
    async add(key, seconds, reason) {
      checkAdd(key, seconds);
      const entry: LocalEntry = {
        expiresAt: now() + wholeSeconds(seconds) * 1000,
        ...(reason === undefined ? {} : { reason }),
      };
      await update(key, { op: "add", entry });
    },
    async delete(key) {
      await update(key, { op: "del" });
    },
    apply(raw) {
      const m = raw as { op?: unknown; key?: unknown; ttlMs?: unknown; reason?: unknown };
      if (typeof m.key !== "string" || m.key === "") return;
      if (m.op === "del") change(m.key, { op: "del" });
      else if (m.op === "add" && typeof m.ttlMs === "number" && m.ttlMs > 0)
        change(m.key, {
          op: "add",
          entry: {
            expiresAt: now() + m.ttlMs,
            ...(typeof m.reason === "string" && m.reason !== "" ? { reason: m.reason } : {}),
          },
        });
    },
    async reload() {
      const mine = ++generation;
      const noted = new Map<string, Change>();
      during = noted;
      try {
        const snapshot = await scan();
        if (mine !== generation) return;
        local.clear();
        for (const [key, entry] of snapshot) local.put(key, entry);
        for (const [key, next] of [...noted, ...pending]) change(key, next);
        for (const [key, next] of [...pending]) {
          // An add whose time ran out while Redis was down needs no writing any more.
          if (next.op === "add" && next.entry.expiresAt <= now()) pending.delete(key);
          else await write(key, next).then(() => pending.delete(key));
        }
      } catch (error) {
        logger?.warn({ event: "store-reload-failed", set: name, error: String(error) });
      } finally {
        if (mine === generation) during = undefined;
      }
    },
  };

  async function scan(): Promise<Map<string, LocalEntry>> {
    const found = new Map<string, LocalEntry>();
    const pattern = `${base.replace(/[*?[\]\\]/g, "\\$&")}*`;
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.pttl(key).get(key);
      const results = (await pipeline.exec()) ?? [];
      const t = now();
      keys.forEach((key, i) => {
        const ttl = results[2 * i]?.[1];
        const reason = results[2 * i + 1]?.[1];
        // -1 (no expiry) is not ours to honour for ever; -2 is gone.
        if (typeof ttl !== "number" || ttl <= 0) return;
        found.set(key.slice(base.length), {
          expiresAt: t + ttl,
          ...(typeof reason === "string" && reason !== "" ? { reason } : {}),
        });
      });
    } while (cursor !== "0");
    return found;
  }
}
