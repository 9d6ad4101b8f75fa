import type { BlockList } from "node:net";
import { type Static, type TOptional, Type } from "@sinclair/typebox";
import { StringEnum, UNKNOWN_KEY_MESSAGE } from "../../core/validate.js";
import { compileCidrs } from "../policies/ip-allow.js";

/**
 * What the detector recognises (MON-05), per client over a sliding window:
 * - `policy-blocks`: the guard's own refusals, any policy (404/405 and signalled refusals aside);
 * - `scanning`: 404 and 405 answers, the guard's or the upstream's (path and method probing);
 * - `forged-token`: tokens with a bad signature, `alg: none` or an algorithm not pinned;
 * - `brute-force`: login lockouts (AUTH-03);
 * - `rate-limited`: refusals by a rate limit (ACC-01).
 */
export const DETECTION_EVENTS = [
  "policy-blocks",
  "scanning",
  "forged-token",
  "brute-force",
  "rate-limited",
] as const;

export type DetectionEvent = (typeof DETECTION_EVENTS)[number];

/** One event's trigger: `threshold` occurrences from one client within `windowSeconds`. */
export interface EventRule {
  readonly threshold: number;
  readonly windowSeconds: number;
}

const rule = (threshold: number, windowSeconds: number): EventRule =>
  Object.freeze({ threshold, windowSeconds });

/** Defaults of `guard.detection` and `guard.alerts`, each the secure choice. */
export const DETECTION_DEFAULTS = Object.freeze({
  /**
   * Every event is on: detection only logs and counts (cheap, and silent under normal traffic);
   * the thresholds sit well above what an honest client produces in the window.
   */
  events: Object.freeze({
    /** Twenty refusals a minute is a client probing the policies, not a client with a bug. */
    "policy-blocks": rule(20, 60),
    /** Thirty unknown paths or methods a minute: a wordlist, not a stale link. */
    scanning: rule(30, 60),
    /** Honest clients never hold a forged token; three in five minutes is deliberate. */
    "forged-token": rule(3, 300),
    /** A lockout already means repeated failed logins: report every one. */
    "brute-force": rule(1, 60),
    /** The limiter already refuses; fifty refusals a minute is a client ignoring Retry-After. */
    "rate-limited": rule(50, 60),
  }) as Readonly<Record<DetectionEvent, EventRule>>,
  /** Tracked clients: beyond, the least recently seen is forgotten (bounded memory). */
  maxClients: 50_000,
  bans: Object.freeze({
    /** Off: refusing every request of an address (a NAT, a proxy) is the operator's choice. */
    enabled: false,
    /** First ban; each further ban of the same client lasts twice as long, up to maxSeconds. */
    seconds: 600,
    maxSeconds: 86_400,
    /**
     * Events that ban, once bans are on: those no honest client causes. Policy blocks and rate
     * limits are left out: a misconfigured client hits them too, and they are refused already.
     */
    events: Object.freeze(["scanning", "forged-token", "brute-force"]) as readonly DetectionEvent[],
    /** No address is exempt unless listed (the operator's own monitoring, scanners). */
    neverBan: Object.freeze([]) as readonly string[],
  }),
  alerts: Object.freeze({
    /** One alert per event type and client per five minutes: a flood is one alert, not many. */
    dedupeSeconds: 300,
    /** All sinks together: an attack from many addresses must not flood the on-call channel. */
    maxPerMinute: 30,
    /** A slow receiver never holds alerts (or shutdown) for long. */
    timeoutMs: 3000,
  }),
});

const EventRuleSchema = Type.Object(
  {
    /** false turns the event off. */
    enabled: Type.Optional(Type.Boolean()),
    threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

const EventName = StringEnum(DETECTION_EVENTS);
const UNKNOWN_EVENT = `unknown event "{key}" (known: ${DETECTION_EVENTS.join(", ")})`;

/** `guard.detection`: thresholds per event type, bounded memory, automatic bans (MON-05). */
export const DetectionSchema = Type.Object(
  {
    events: Type.Optional(
      Type.Object(
        Object.fromEntries(DETECTION_EVENTS.map((e) => [e, Type.Optional(EventRuleSchema)])) as {
          [K in DetectionEvent]: TOptional<typeof EventRuleSchema>;
        },
        { additionalProperties: false, [UNKNOWN_KEY_MESSAGE]: UNKNOWN_EVENT },
      ),
    ),
    maxClients: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000_000 })),
    bans: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
          maxSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
          events: Type.Optional(Type.Array(EventName, { uniqueItems: true })),
          /** Addresses or CIDR ranges never banned. */
          neverBan: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 50 }))),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** `guard.alerts`: webhooks that receive detected events (MON-03). */
export const AlertsSchema = Type.Object(
  {
    webhooks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            /** https://, or http:// on loopback only (the URL often carries a secret). */
            url: Type.String({ minLength: 1, maxLength: 2048 }),
            /** `json` (generic) or `slack` (Slack-compatible `{ "text": ... }`). */
            format: Type.Optional(StringEnum(["json", "slack"] as const)),
            /** The events this sink receives; default all. */
            events: Type.Optional(Type.Array(EventName, { minItems: 1, uniqueItems: true })),
            /** Label in metrics and logs (never the URL); default the URL's host. */
            name: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,64}$" })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    dedupeSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    maxPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
  },
  { additionalProperties: false },
);

export type DetectionConfig = Static<typeof DetectionSchema>;
export type AlertsConfig = Static<typeof AlertsSchema>;

/** A webhook as resolved: the URL parsed, its name and the events it receives. */
export interface ResolvedWebhook {
  readonly name: string;
  readonly url: URL;
  readonly format: "json" | "slack";
  readonly events: ReadonlySet<DetectionEvent>;
}

/** Detection and alerting with every default filled in. */
export interface ResolvedDetection {
  /** The enabled events only. */
  readonly events: ReadonlyMap<DetectionEvent, EventRule>;
  readonly maxClients: number;
  readonly bans: {
    readonly enabled: boolean;
    readonly seconds: number;
    readonly maxSeconds: number;
    readonly events: ReadonlySet<DetectionEvent>;
    readonly neverBan: BlockList | undefined;
  };
  readonly alerts: {
    readonly webhooks: readonly ResolvedWebhook[];
    readonly dedupeSeconds: number;
    readonly maxPerMinute: number;
    readonly timeoutMs: number;
  };
}

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Validates and resolves `guard.detection` and `guard.alerts`; problems are reported with their
 * path (e.g. `/alerts/webhooks/0/url`), all of them.
 *
 * @example
 * ```ts
 * const detection = resolveDetection({ bans: { enabled: true } }, undefined, console.error);
 * detection.events.get("scanning"); // { threshold: 30, windowSeconds: 60 }
 * ```
 */
export function resolveDetection(
  detection: DetectionConfig | undefined,
  alerts: AlertsConfig | undefined,
  report: (path: string, message: string) => void,
): ResolvedDetection {
  const d = DETECTION_DEFAULTS;
  const events = new Map<DetectionEvent, EventRule>();
  for (const name of DETECTION_EVENTS) {
    const own = detection?.events?.[name];
    if (own?.enabled === false) continue;
    events.set(
      name,
      rule(
        own?.threshold ?? d.events[name].threshold,
        own?.windowSeconds ?? d.events[name].windowSeconds,
      ),
    );
  }

  const bans = detection?.bans;
  const seconds = bans?.seconds ?? d.bans.seconds;
  const maxSeconds = bans?.maxSeconds ?? Math.max(d.bans.maxSeconds, seconds);
  if (maxSeconds < seconds) report("/detection/bans/maxSeconds", "must not be below seconds");
  const enabled = bans?.enabled ?? d.bans.enabled;
  // Listed on purpose, an event that is turned off is a contradiction; among the defaults, it
  // is only one the operator chose not to detect.
  const banEvents = new Set((bans?.events ?? d.bans.events).filter((e) => events.has(e)));
  if (enabled)
    bans?.events?.forEach((event, index) => {
      if (!events.has(event))
        report(
          `/detection/bans/events/${index}`,
          `"${event}" bans, but the event is turned off in detection.events`,
        );
    });
  let neverBan: BlockList | undefined;
  const exempt = bans?.neverBan ?? d.bans.neverBan;
  if (exempt.length > 0) {
    const { list, invalid } = compileCidrs(exempt);
    for (const entry of invalid)
      report(
        `/detection/bans/neverBan/${exempt.indexOf(entry)}`,
        `not an address or CIDR range: "${entry}"`,
      );
    neverBan = list;
  }

  const webhooks: ResolvedWebhook[] = [];
  const names = new Set<string>();
  (alerts?.webhooks ?? []).forEach((hook, index) => {
    const path = `/alerts/webhooks/${index}`;
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      // The URL itself is not echoed: webhook URLs (Slack's among them) embed their secret.
      report(`${path}/url`, "not a URL");
      return;
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
      report(`${path}/url`, "must be https:// (http:// only on loopback)");
      return;
    }
    if (url.username !== "" || url.password !== "") {
      report(`${path}/url`, "must not carry credentials in the URL");
      return;
    }
    const name = hook.name ?? url.host;
    if (names.has(name)) {
      report(`${path}/name`, `another webhook is named "${name}": give each a distinct name`);
      return;
    }
    names.add(name);
    webhooks.push(
      Object.freeze({
        name,
        url,
        format: hook.format ?? "json",
        events: new Set(hook.events ?? DETECTION_EVENTS),
      }),
    );
  });

  return Object.freeze({
    events,
    maxClients: detection?.maxClients ?? d.maxClients,
    bans: Object.freeze({ enabled, seconds, maxSeconds, events: banEvents, neverBan }),
    alerts: Object.freeze({
      webhooks: Object.freeze(webhooks),
      dedupeSeconds: alerts?.dedupeSeconds ?? d.alerts.dedupeSeconds,
      maxPerMinute: alerts?.maxPerMinute ?? d.alerts.maxPerMinute,
      timeoutMs: alerts?.timeoutMs ?? d.alerts.timeoutMs,
    }),
  });
}
