import { BurstyRateLimiter, RateLimiterRes } from "rate-limiter-flexible";
import {
  LIMIT_DEFAULTS,
  LimitsSchema,
  type ResolvedLimit,
  type ResolvedLimits,
  resolveLimits,
} from "../config/limits-schema.js";
import type { RouteTable } from "../config/route-table.js";
import {
  type GuardPolicy,
  type PolicyHooks,
  type Rejection,
  type RequestContext,
  type RouteSpec,
  rejection,
} from "../policy.js";
import { routeField } from "../policy-options.js";
import type { GuardStore } from "../stores/store.js";
import { compilePartition, type PartitionOf } from "./rate-limit-key.js";

/** `limits` on a route or in `defaults`: quota, spike arrest, concurrency; `false` drops inherited ones. */
export const limitsField = routeField("limits", LimitsSchema, true, (value) =>
  resolveLimits(value),
);

const META = Object.freeze({
  id: "rate-limit",
  items: Object.freeze(["ACC-01", "IN-07"] as const),
  title:
    "429 with Retry-After and RateLimit headers past a route's quota, spike or concurrency limit",
});

/**
 * A concurrency slot frees itself this long after its last acquisition when its holder vanished
 * (a crashed guard process): longer than the default upstream timeouts (30 s), so live requests
 * keep their slot, short enough that a crash does not lock a client out for long.
 */
const SLOT_TTL_SECONDS = 60;
/** A store outage is logged at most this often per route, never per request. */
const WARN_INTERVAL_MS = 60_000;
/** A concurrency refusal cannot know when a slot frees: ask for the shortest wait (RFC 9110 10.2.3). */
const IN_FLIGHT_RETRY_SECONDS = 1;
const LOCALS_KEY = "rate-limit";

const UNAVAILABLE = rejection(
  META,
  503,
  "Service Unavailable",
  "Rate limits cannot be checked right now.",
);

/** A quota or spike counter of one limit, as advertised in RateLimit-Policy. */
interface Meter {
  readonly limit: ResolvedLimit;
  /** The policy name in RateLimit-Policy and RateLimit (a limit with both: `name/spike`). */
  readonly label: string;
  readonly quota: number;
  readonly windowSeconds: number;
  readonly partitionOf: PartitionOf;
  readonly open: (store: GuardStore) => Consumer;
}

/** A concurrency cap of one limit. */
interface Slot {
  readonly limit: ResolvedLimit;
  /** The policy name in RateLimit-Policy (a limit that also counts: `name/concurrency`). */
  readonly label: string;
  readonly max: number;
  readonly prefix: string;
  readonly partitionOf: PartitionOf;
}

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

interface Count {
  readonly meter: Meter;
  readonly state: "ok" | "over" | "failed";
  readonly remaining: number;
  readonly resetMs: number;
}

/** What one request holds: the RateLimit value to answer with, and its concurrency slots. */
interface Held {
  rateLimit: string | undefined;
  releases: (() => void)[] | undefined;
  /** The request is over: a slot acquired from now on is given back at once. */
  done: boolean;
}

/**
 * Rate limits per route and key (ACC-01, IN-07): quotas over a window, spike arrest and
 * concurrency caps, counted in the guard's store (shared through Redis across processes).
 * Past a limit: 429 problem+json with `Retry-After` (RFC 6585 4, RFC 9110 10.2.3); every answer
 * of a limited route carries the RateLimit-Policy and RateLimit fields of
 * draft-ietf-httpapi-ratelimit-headers-11. Routes without limits get no hooks at all.
 *
 * @example
 * ```ts
 * const hooks = rateLimitPolicy.create(route); // undefined when route.limits is undefined
 * ```
 */
export const rateLimitPolicy: GuardPolicy = Object.freeze({
  ...META,
  create: (route: RouteSpec) => (route.limits ? createHooks(route, route.limits) : undefined),
});

/**
 * Whether any route of a table has a rate limit (`rampart guard` warns at start when none has).
 *
 * @example
 * ```ts
 * if (!hasLimits(table)) logger.warn("no route has a rate limit (ACC-01)");
 * ```
 */
export function hasLimits(table: Pick<RouteTable, "routes">): boolean {
  return table.routes.some((route) => route.spec.limits !== undefined);
}

/**
 * Limits with `scope: global` share one counter per name across routes, and a store keeps the
 * first definition it sees under a name: routes that declare one name with different numbers
 * or key would enforce numbers they do not announce. Returns one message per such route, for
 * the route table to report as config problems.
 *
 * @example
 * ```ts
 * globalLimitConflicts(table.routes.map((r) => r.spec));
 * // ['/b: global limit "api" differs from its declaration on /a']
 * ```
 */
export function globalLimitConflicts(
  routes: readonly Pick<RouteSpec, "path" | "limits">[],
): string[] {
  const first = new Map<string, { path: string; shape: string }>();
  const problems: string[] = [];
  for (const route of routes)
    for (const limit of route.limits ?? []) {
      if (limit.scope !== "global") continue;
      const { key, quota, spike, concurrency, onStoreError } = limit;
      const shape = JSON.stringify([key, quota, spike, concurrency, onStoreError]);
      const seen = first.get(limit.name);
      if (seen === undefined) first.set(limit.name, { path: route.path, shape });
      else if (seen.shape !== shape)
        problems.push(
          `${route.path}: global limit "${limit.name}" differs from its declaration on ${seen.path}`,
        );
    }
  return problems;
}

function createHooks(route: RouteSpec, limits: ResolvedLimits): PolicyHooks {
  const { meters, slots } = compileLimits(route, limits);
  // Concurrency caps are announced with the draft's `concurrent-requests` unit (no window);
  // only quotas and spikes have a RateLimit value, as the in-flight count is not read back.
  const policyField = [
    ...meters.map((m) => `"${m.label}";q=${m.quota};w=${m.windowSeconds}`),
    ...slots.map((slot) => `"${slot.label}";q=${slot.max};qu="concurrent-requests"`),
  ].join(", ");
  const localSlots = new Map<string, number>();
  let openedFor: GuardStore | undefined;
  let consumers: readonly Consumer[] = [];
  let lastWarning = Number.NEGATIVE_INFINITY;

  const storeFailed = (ctx: RequestContext, outcome: "memory" | "closed" | "open"): void => {
    ctx.runtime.metrics.storeErrors.labels(META.id, outcome).inc();
    const now = Date.now();
    if (now - lastWarning < WARN_INTERVAL_MS) return;
    lastWarning = now;
    ctx.runtime.logger.warn(
      { event: "rate-limit-store-error", route: route.path, outcome },
      outcome === "memory"
        ? "rate limits counted per process while the store is unreachable"
        : outcome === "closed"
          ? "rate limits cannot be checked: refusing requests (503) while the store is unreachable"
          : "rate limits not enforced while the store is unreachable (onStoreError: open)",
    );
  };

  const refuse = (
    ctx: RequestContext,
    limit: ResolvedLimit,
    wait: number,
    rateLimit?: string,
  ): Rejection => {
    ctx.runtime.metrics.rateLimited.labels(route.path, limit.name).inc();
    const headers: Record<string, string> = {
      "Retry-After": String(wait),
      "RateLimit-Policy": policyField,
    };
    if (rateLimit !== undefined) headers.RateLimit = rateLimit;
    return rejection(
      META,
      429,
      "Too Many Requests",
      `Too many requests: retry in ${wait} s.`,
      headers,
      "rate-limited",
    );
  };

  /** Decides on the counts of one request; remembers the RateLimit value of a pass. */
  const judge = (
    ctx: RequestContext,
    counts: readonly Count[],
    held: Held,
  ): Rejection | undefined => {
    let over: Count | undefined;
    let tightest: Count | undefined;
    let closed = false;
    let insured = false;
    for (const count of counts) {
      if (count.state === "over") {
        // The client must wait for every counter it exhausted: report the longest wait.
        if (over === undefined || count.resetMs > over.resetMs) over = count;
      } else if (count.state === "ok") {
        if (
          tightest === undefined ||
          count.remaining < tightest.remaining ||
          (count.remaining === tightest.remaining && count.resetMs > tightest.resetMs)
        )
          tightest = count;
        // An insured limiter answers from memory while the store is down.
        if (count.meter.limit.onStoreError === "memory" && !ctx.runtime.store.up) insured = true;
      } else {
        const choice = count.meter.limit.onStoreError;
        storeFailed(ctx, choice === "open" ? "open" : "closed");
        // `memory` still failing means even the insurance could not answer: fail closed.
        if (choice !== "open") closed = true;
      }
    }
    if (insured) storeFailed(ctx, "memory");
    if (over) return refuse(ctx, over.meter.limit, retrySeconds(over.resetMs), serviceLimit(over));
    if (closed) return UNAVAILABLE;
    if (tightest) held.rateLimit = serviceLimit(tightest);
    return undefined;
  };

  const acquireSlots = async (ctx: RequestContext, held: Held): Promise<Rejection | undefined> => {
    const store = ctx.runtime.store;
    for (const slot of slots) {
      const key = `${slot.prefix}:${slot.partitionOf(ctx)}`;
      let release: (() => void) | undefined;
      try {
        release = await store.acquire(key, slot.max, SLOT_TTL_SECONDS);
      } catch {
        const choice = slot.limit.onStoreError;
        storeFailed(ctx, choice);
        if (choice === "closed") return UNAVAILABLE;
        if (choice === "open") continue;
        release = acquireLocal(localSlots, key, slot.max);
      }
      if (release === undefined)
        return refuse(ctx, slot.limit, IN_FLIGHT_RETRY_SECONDS, held.rateLimit);
      if (held.done) release();
      else if (held.releases) held.releases.push(release);
      else held.releases = [release];
    }
    return undefined;
  };

  const hooks: {
    onRequestAsync: NonNullable<PolicyHooks["onRequestAsync"]>;
    onResponseHead: NonNullable<PolicyHooks["onResponseHead"]>;
    onFinish?: PolicyHooks["onFinish"];
  } = {
    async onRequestAsync(ctx) {
      const held: Held = { rateLimit: undefined, releases: undefined, done: false };
      if (ctx.locals === undefined) ctx.locals = new Map();
      ctx.locals.set(LOCALS_KEY, held);
      if (meters.length > 0) {
        const store = ctx.runtime.store;
        if (store !== openedFor) {
          consumers = meters.map((meter) => meter.open(store));
          openedFor = store;
        }
        const counts =
          meters.length === 1
            ? [await count(meters[0] as Meter, consumers[0] as Consumer, ctx)]
            : await Promise.all(meters.map((m, i) => count(m, consumers[i] as Consumer, ctx)));
        const problem = judge(ctx, counts, held);
        if (problem) return problem;
      }
      if (slots.length === 0) return undefined;
      // A client that leaves meanwhile still reaches onFinish: the server finishes a request
      // whose socket is gone before forwarding it.
      return acquireSlots(ctx, held);
    },
    onResponseHead(head, ctx) {
      const held = ctx.locals?.get(LOCALS_KEY) as Held | undefined;
      // The guard's counters are the truth at the edge: they replace any upstream fields.
      head.headers["ratelimit-policy"] = policyField;
      if (held?.rateLimit !== undefined) head.headers.ratelimit = held.rateLimit;
      else delete head.headers.ratelimit;
      return undefined;
    },
  };

  if (slots.length > 0)
    hooks.onFinish = (ctx) => {
      const held = ctx.locals?.get(LOCALS_KEY) as Held | undefined;
      if (held) releaseAll(held);
    };
  return Object.freeze(hooks);
}

/** Validates a route's limits once and builds their counters; a problem is a TypeError. */
function compileLimits(
  route: RouteSpec,
  limits: ResolvedLimits,
): { meters: Meter[]; slots: Slot[] } {
  const meters: Meter[] = [];
  const slots: Slot[] = [];
  const names = new Set<string>();
  limits.forEach((limit, index) => {
    if (!limit.quota && !limit.spike && limit.concurrency === undefined)
      throw new TypeError(
        `limits/${index}: a limit needs a quota, a spike or a concurrency (this one limits nothing)`,
      );
    if (names.has(limit.name))
      throw new TypeError(
        `limits/${index}/name: "${limit.name}" is used twice on this route (counters and headers would mix)`,
      );
    names.add(limit.name);
    // A table built from code skips the config schema: numbers are checked here too, once.
    const at = `limits/${index}`;
    const { quota, spike } = limit;
    if (quota) {
      positive(quota.requests, `${at}/quota/requests`);
      positive(quota.windowSeconds, `${at}/quota/windowSeconds`);
    }
    if (spike) {
      positive(spike.perSecond, `${at}/spike/perSecond`);
      if (!Number.isInteger(spike.burst) || spike.burst < 0)
        throw new TypeError(`${at}/spike/burst: must be an integer, 0 or more`);
    }
    if (limit.concurrency !== undefined) positive(limit.concurrency, `${at}/concurrency`);
    let partitionOf: PartitionOf;
    try {
      partitionOf = compilePartition(limit.key);
    } catch (error) {
      throw new TypeError(`${at}/key: ${(error as Error).message}`);
    }
    // `global`: every route declaring this name counts into one counter (same numbers expected).
    const scope = limit.scope === "global" ? "global" : `${route.methods.join(",")} ${route.path}`;
    const prefix = `rl:${scope}:${limit.name}`;
    const insurance = limit.onStoreError === "memory";
    if (quota)
      meters.push({
        limit,
        label: limit.name,
        quota: quota.requests,
        windowSeconds: quota.windowSeconds,
        partitionOf,
        open: (store) =>
          store.limiter({
            keyPrefix: prefix,
            points: quota.requests,
            durationSeconds: quota.windowSeconds,
            insurance,
          }),
      });
    // Spike arrest is rate-limiter-flexible's BurstyRateLimiter: a 1-second counter of
    // `perSecond` and, only once that is spent, a counter of `burst` extra requests refilled over
    // `burstWindowSeconds`. Chosen over a token bucket because both halves are plain store
    // limiters (shared through Redis, insured in memory like a quota), and a request within the
    // steady rate costs one store call.
    if (spike)
      meters.push({
        limit,
        label: quota ? `${limit.name}/spike` : limit.name,
        quota: spike.perSecond,
        windowSeconds: 1,
        partitionOf,
        open: (store) => {
          const steady = store.limiter({
            keyPrefix: `${prefix}:spike`,
            points: spike.perSecond,
            durationSeconds: 1,
            insurance,
          });
          if (spike.burst === 0) return steady;
          const burst = store.limiter({
            keyPrefix: `${prefix}:burst`,
            points: spike.burst,
            durationSeconds: LIMIT_DEFAULTS.burstWindowSeconds,
            insurance,
          });
          return new BurstyRateLimiter(steady, burst);
        },
      });
    if (limit.concurrency !== undefined)
      slots.push({
        limit,
        label: quota || spike ? `${limit.name}/concurrency` : limit.name,
        max: limit.concurrency,
        prefix: `${prefix}:inflight`,
        partitionOf,
      });
  });
  return { meters, slots };
}

function positive(value: number, at: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`${at}: must be an integer, 1 or more`);
}

/** Ends what a request holds: its slots now, and any acquired later at once. */
function releaseAll(held: Held): void {
  held.done = true;
  const releases = held.releases;
  held.releases = undefined;
  if (releases) for (const release of releases) release();
}

/** One consume; a refusal and a store failure are outcomes, not exceptions. */
function count(meter: Meter, consumer: Consumer, ctx: RequestContext): Promise<Count> {
  return consumer.consume(meter.partitionOf(ctx)).then(
    (res) => ({
      meter,
      state: "ok" as const,
      remaining: res.remainingPoints,
      resetMs: res.msBeforeNext,
    }),
    (reason: unknown) =>
      reason instanceof RateLimiterRes
        ? { meter, state: "over" as const, remaining: 0, resetMs: reason.msBeforeNext }
        : { meter, state: "failed" as const, remaining: 0, resetMs: 0 },
  );
}

/** `"name";r=<remaining>;t=<seconds>` (draft-ietf-httpapi-ratelimit-headers-11, 4.1). */
function serviceLimit(count: Count): string {
  const seconds = Math.max(0, Math.ceil(count.resetMs / 1000));
  return `"${count.meter.label}";r=${Math.max(0, count.remaining)};t=${seconds}`;
}

/** Whole seconds, at least 1, and never before the RateLimit `t` of the same answer. */
function retrySeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** This process's own slots, used while the store cannot be reached (`onStoreError: memory`). */
function acquireLocal(slots: Map<string, number>, key: string, max: number) {
  const taken = slots.get(key) ?? 0;
  if (taken >= max) return undefined;
  slots.set(key, taken + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (slots.get(key) ?? 1) - 1;
    if (left <= 0) slots.delete(key);
    else slots.set(key, left);
  };
}
