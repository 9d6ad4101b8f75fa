import { type Static, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE, StringEnum } from "../../core/validate.js";

/**
 * Defaults of a rate limit (`limits:` of a route or of `defaults:`). There is no limit unless one
 * is configured: any number chosen for every API would be wrong for most, so the guard warns at
 * start when no route has one (ACC-01) rather than guessing.
 */
export const LIMIT_DEFAULTS = Object.freeze({
  /** Who is counted: the client address (after trusted proxies). */
  key: "ip" as LimitKey,
  /** Each route counts on its own; `global` shares one counter across every route using it. */
  scope: "route" as "route" | "global",
  /**
   * While a shared store is unreachable: `memory` counts per process (rate-limiter-flexible's
   * insurance limiter), `closed` refuses with 503, `open` lets requests through uncounted.
   */
  onStoreError: "memory" as "memory" | "closed" | "open",
  /**
   * A spike's `burst` (default: `perSecond`, one second's worth) refills over this window: the
   * burst absorbs the jitter of honest clients without raising the steady rate much (at most
   * `perSecond + burst / 10` over a long run). Without a burst, honest jitter would be refused.
   */
  burstWindowSeconds: 10,
});

/** `ip`, `apiKey` (the configured key's name), `subject` (the token's `sub`), `header:<name>`. */
export type LimitKey = "ip" | "apiKey" | "subject" | `header:${string}`;

const LimitSchema = Type.Object(
  {
    /** Shown in RateLimit-Policy and metrics; default `limit<N>` by position. */
    name: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" })),
    key: Type.Optional(
      Type.String({
        pattern: "^(ip|apiKey|subject|header:[A-Za-z0-9-]+)$",
        [PATTERN_MESSAGE]: "ip, apiKey, subject or header:<name>",
      }),
    ),
    /** `global`: every route declaring this name counts into one counter (same numbers). */
    scope: Type.Optional(StringEnum(["route", "global"] as const)),
    /** At most `requests` per `windowSeconds` (a quota). */
    quota: Type.Optional(
      Type.Object(
        {
          requests: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
          windowSeconds: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Spike arrest: a steady `perSecond` with room for a `burst` of extra requests, refilled
     * over 10 seconds (so a long run averages at most `perSecond + burst / 10`).
     */
    spike: Type.Optional(
      Type.Object(
        {
          perSecond: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          burst: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** At most this many requests of one key in flight at once. */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    onStoreError: Type.Optional(StringEnum(["memory", "closed", "open"] as const)),
  },
  { additionalProperties: false },
);

/**
 * `limits:` of a route: one or more limits, all enforced (names unique per route); `false` turns
 * inherited ones off. A limit needs at least one of `quota`, `spike`, `concurrency`: the policy
 * reports one without any (the schema alone would word that poorly).
 */
export const LimitsSchema = Type.Union([
  Type.Array(LimitSchema, { minItems: 1, maxItems: 16 }),
  Type.Literal(false),
]);

export type LimitConfig = Static<typeof LimitSchema>;
export type LimitsConfig = Static<typeof LimitsSchema>;

/** One limit with its defaults filled in. */
export interface ResolvedLimit {
  readonly name: string;
  readonly key: LimitKey;
  readonly scope: "route" | "global";
  readonly quota: { readonly requests: number; readonly windowSeconds: number } | undefined;
  readonly spike: { readonly perSecond: number; readonly burst: number } | undefined;
  readonly concurrency: number | undefined;
  readonly onStoreError: "memory" | "closed" | "open";
}

export type ResolvedLimits = readonly ResolvedLimit[];

/**
 * Fills in the defaults of a route's `limits:` (undefined or `false`: none).
 *
 * @example
 * ```ts
 * resolveLimits([{ spike: { perSecond: 10 } }])?.[0]?.key; // "ip"
 * ```
 */
export function resolveLimits(config: LimitsConfig | undefined): ResolvedLimits | undefined {
  if (config === undefined || config === false) return undefined;
  return config.map((limit, index) => ({
    name: limit.name ?? `limit${index + 1}`,
    key: (limit.key ?? LIMIT_DEFAULTS.key) as LimitKey,
    scope: limit.scope ?? LIMIT_DEFAULTS.scope,
    quota: limit.quota,
    spike: limit.spike
      ? { perSecond: limit.spike.perSecond, burst: limit.spike.burst ?? limit.spike.perSecond }
      : undefined,
    concurrency: limit.concurrency,
    onStoreError: limit.onStoreError ?? LIMIT_DEFAULTS.onStoreError,
  }));
}
