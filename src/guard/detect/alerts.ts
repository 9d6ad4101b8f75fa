import type { Logger } from "pino";
import { request } from "undici";
import type { ItemId } from "../../catalog/ids.js";
import type { GuardMetrics } from "../ops/metrics.js";
import { RecentMap } from "./recent.js";
import type { DetectionEvent, ResolvedDetection, ResolvedWebhook } from "./schema.js";

/** A detected event, as alerts carry it. Never headers, tokens or bodies. */
export interface DetectedEvent {
  readonly type: DetectionEvent;
  readonly client: string;
  readonly count: number;
  readonly windowSeconds: number;
  /** The matched route pattern, undefined when none matched. */
  readonly route: string | undefined;
  /** Checklist items concerned: MON-05 and those of the refusing policy. */
  readonly items: readonly ItemId[];
  /** When it was detected (ms since the epoch). */
  readonly time: number;
}

export interface AlerterOptions {
  readonly settings: ResolvedDetection["alerts"];
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now: () => number;
}

/** Sends detected events to webhooks: de-duplicated, rate-limited, failures counted (MON-03). */
export interface Alerter {
  send(event: DetectedEvent): void;
  configure(settings: ResolvedDetection["alerts"]): void;
  /** Waits for deliveries in flight up to `graceMs`, then abandons them. */
  close(graceMs: number): Promise<void>;
}

/**
 * (type, client) pairs remembered for de-duplication; beyond, the least recent are forgotten
 * (they may alert again, within maxPerMinute).
 */
const DEDUPE_MAX = 20_000;
const MINUTE = 60_000;

/**
 * Creates the alert sender of one guard.
 *
 * @example
 * ```ts
 * const alerter = createAlerter({ settings: detection.alerts, metrics, logger, now: Date.now });
 * alerter.send({ type: "scanning", client: "203.0.113.9", count: 30, windowSeconds: 60,
 *   route: undefined, items: ["MON-05"], time: Date.now() });
 * ```
 */
export function createAlerter(options: AlerterOptions): Alerter {
  const { metrics, logger, now } = options;
  let settings = options.settings;
  /** `type client` -> when the next alert for the pair may go. */
  const quietUntil = new RecentMap<number>(DEDUPE_MAX);
  let minuteStarted = 0;
  let sentThisMinute = 0;
  let suppressed = 0;
  let summary: NodeJS.Timeout | undefined;
  const lastFailureLog = new Map<string, number>();
  const inFlight = new Set<{ promise: Promise<void>; abort: AbortController }>();
  let closed = false;

  function logSuppressed(): void {
    if (summary) clearTimeout(summary);
    summary = undefined;
    if (suppressed === 0) return;
    logger.warn(
      { event: "alerts-suppressed", count: suppressed, maxPerMinute: settings.maxPerMinute },
      "alerts beyond maxPerMinute were not sent",
    );
    suppressed = 0;
  }

  /** Whether one more delivery fits in this minute (all sinks together). */
  function admit(sink: string, at: number): boolean {
    if (at - minuteStarted >= MINUTE) {
      logSuppressed();
      minuteStarted = at;
      sentThisMinute = 0;
    }
    if (sentThisMinute < settings.maxPerMinute) {
      sentThisMinute++;
      return true;
    }
    suppressed++;
    metrics.alerts.labels(sink, "suppressed").inc();
    // One summary line per minute, however many were held back.
    if (summary === undefined) {
      summary = setTimeout(logSuppressed, Math.max(0, minuteStarted + MINUTE - at));
      summary.unref();
    }
    return false;
  }

  function deliver(hook: ResolvedWebhook, event: DetectedEvent): void {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), settings.timeoutMs);
    timer.unref();
    const entry = { promise: Promise.resolve(), abort };
    entry.promise = post(hook, event, settings.timeoutMs, abort.signal)
      .then(
        () => metrics.alerts.labels(hook.name, "sent").inc(),
        (error: unknown) => failed(hook, error),
      )
      .finally(() => {
        clearTimeout(timer);
        inFlight.delete(entry);
      });
    inFlight.add(entry);
  }

  function failed(hook: ResolvedWebhook, error: unknown): void {
    metrics.alerts.labels(hook.name, "failed").inc();
    const at = now();
    const last = lastFailureLog.get(hook.name);
    if (last !== undefined && at - last < MINUTE) return;
    lastFailureLog.set(hook.name, at);
    // The sink's name, never its URL: webhook URLs carry their secret.
    logger.warn(
      { event: "alert-failed", sink: hook.name, error: describe(error, hook.url) },
      "an alert could not be delivered (logged at most once a minute per sink)",
    );
  }

  return {
    send(event) {
      if (closed || settings.webhooks.length === 0) return;
      const key = `${event.type} ${event.client}`;
      const at = now();
      const until = quietUntil.get(key);
      if (until !== undefined && at < until) return;
      quietUntil.set(key, at + settings.dedupeSeconds * 1000);
      for (const hook of settings.webhooks)
        if (hook.events.has(event.type) && admit(hook.name, at)) deliver(hook, event);
    },
    configure(next) {
      settings = next;
    },
    async close(graceMs) {
      closed = true;
      logSuppressed();
      if (inFlight.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((done) => {
        timer = setTimeout(done, graceMs);
      });
      await Promise.race([Promise.allSettled([...inFlight].map((e) => e.promise)), grace]);
      clearTimeout(timer);
      for (const entry of inFlight) entry.abort.abort();
    },
  };
}

/** POSTs one event; rejects unless the receiver answers 2xx. */
async function post(
  hook: ResolvedWebhook,
  event: DetectedEvent,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const res = await request(hook.url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "rampart-guard" },
    body: JSON.stringify(hook.format === "slack" ? slackBody(event) : jsonBody(event)),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal,
  });
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`HTTP ${res.statusCode}`);
}

/**
 * The generic JSON alert.
 *
 * @example
 * ```ts
 * jsonBody(event); // { source: "rampart-guard", event: "scanning", client: "203.0.113.9", ... }
 * ```
 */
export function jsonBody(event: DetectedEvent): Record<string, unknown> {
  return {
    source: "rampart-guard",
    event: event.type,
    client: event.client,
    count: event.count,
    windowSeconds: event.windowSeconds,
    route: event.route ?? null,
    time: new Date(event.time).toISOString(),
    items: event.items,
  };
}

/**
 * The Slack-compatible alert: one readable line in `text` (Slack's incoming webhooks, and the
 * many chat tools that accept their format).
 *
 * @example
 * ```ts
 * slackBody(event).text; // "rampart guard: scanning from 203.0.113.9: 30 in 60 s (MON-05)"
 * ```
 */
export function slackBody(event: DetectedEvent): { text: string } {
  const on = event.route === undefined ? "" : ` on ${event.route}`;
  const line = `rampart guard: ${event.type} from ${event.client}${on}: ${event.count} in ${event.windowSeconds} s (${event.items.join(", ")})`;
  // Slack reads &, < and > as markup (its "escaping text" rules).
  return { text: line.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;") };
}

/** An error in words, without the sink's URL path (where webhook secrets live). */
function describe(error: unknown, url: URL): string {
  const code = (error as { code?: unknown }).code;
  let message = error instanceof Error ? error.message : String(error);
  if (url.pathname.length > 1) message = message.split(url.pathname).join("/...");
  return typeof code === "string" ? `${code}: ${message}` : message;
}
