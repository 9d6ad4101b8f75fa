import type { Logger } from "pino";
import type { ItemId } from "../../catalog/ids.js";
import type { GuardMetrics } from "../ops/metrics.js";
import { inList } from "../policies/ip-allow.js";
import type { Observation } from "../policy.js";
import type { GuardStore } from "../stores/store.js";
import { type Alerter, createAlerter, type DetectedEvent } from "./alerts.js";
import { RecentMap } from "./recent.js";
import type { DetectionEvent, EventRule, ResolvedDetection } from "./schema.js";
import { SlidingCount } from "./window.js";

/** Watches answered requests for abuse patterns; raises events, alerts and bans (MON-03, MON-05). */
export interface Detector {
  observe(observation: Observation): void;
  /** A reload's new settings; counters already running are kept. */
  configure(detection: ResolvedDetection): void;
  /** Stops timers and waits for alerts in flight (bounded). */
  close(): Promise<void>;
}

export interface DetectorOptions {
  readonly detection: ResolvedDetection;
  readonly store: GuardStore;
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  /** Milliseconds since the epoch; injectable for tests (default `Date.now`). */
  readonly now?: () => number;
}

/** What the detector remembers of one client. */
interface ClientState {
  /** One per event type seen from the client (at most five: a list beats a Map here). */
  readonly counters: Counter[];
  /** Bans so far (the next lasts twice as long) and when the last one started. */
  bans: number;
  lastBanAt: number;
  banning: boolean;
}

interface Counter {
  readonly type: DetectionEvent;
  window: SlidingCount;
  /** When the event last fired: it fires again only once its window has passed. */
  firedAt: number;
}

/** The policy id of the server's answer to a banned client: not counted again. */
const BAN_POLICY = "ban";
/** How long close() waits for alerts and bans in flight. */
const CLOSE_GRACE_MS = 2000;
/** How often the banned-clients gauge is refreshed (bans expire on their own). */
const GAUGE_REFRESH_MS = 2000;
const DETECTION_ITEM: ItemId = "MON-05";

/**
 * Creates the detector of one guard: per-client sliding-window counters (bounded: beyond
 * `maxClients`, the least recently seen clients are forgotten, half of them at a time), a warn
 * log line and a metric per event, webhook alerts, and (when enabled) a temporary ban in the
 * shared store. An event fires once per window per client and type; alerts are de-duplicated
 * further (`alerts.dedupeSeconds`).
 *
 * @example
 * ```ts
 * const detector = createDetector({ detection: table.detection, store, metrics, logger });
 * detector.observe({ client: "203.0.113.9", method: "GET", route: undefined, status: 404, rejection: undefined });
 * await detector.close();
 * ```
 */
export function createDetector(options: DetectorOptions): Detector {
  const { store, metrics, logger } = options;
  const now = options.now ?? Date.now;
  let detection = options.detection;
  const clients = new RecentMap<ClientState>(detection.maxClients);
  const alerter: Alerter = createAlerter({ settings: detection.alerts, metrics, logger, now });
  const pendingBans = new Set<Promise<void>>();
  let closed = false;

  const refreshGauge = () => {
    try {
      metrics.bannedClients.set(store.bans.list().length);
    } catch {
      // A store being closed; the next refresh tells.
    }
  };
  const gauge = setInterval(refreshGauge, GAUGE_REFRESH_MS);
  gauge.unref();

  function classify(observation: Observation): DetectionEvent | undefined {
    const { status, rejection } = observation;
    if (rejection === undefined) return status === 404 || status === 405 ? "scanning" : undefined;
    if (rejection.policy === BAN_POLICY) return undefined;
    if (rejection.signal !== undefined) return rejection.signal;
    return status === 404 || status === 405 ? "scanning" : "policy-blocks";
  }

  function stateOf(client: string): ClientState {
    let state = clients.get(client);
    if (state === undefined) {
      state = { counters: [], bans: 0, lastBanAt: 0, banning: false };
      clients.set(client, state);
    }
    return state;
  }

  function raise(event: DetectedEvent, state: ClientState): void {
    logger.warn(
      {
        event: "detected",
        type: event.type,
        client: event.client,
        count: event.count,
        windowSeconds: event.windowSeconds,
        route: event.route,
      },
      `abuse detected: ${event.type}`,
    );
    metrics.events.labels(event.type).inc();
    alerter.send(event);
    const bans = detection.bans;
    if (
      !bans.enabled ||
      !bans.events.has(event.type) ||
      state.banning ||
      event.client === "" ||
      (bans.neverBan !== undefined && inList(bans.neverBan, event.client)) ||
      store.bans.has(event.client)
    )
      return;
    ban(event, state, bans);
  }

  function ban(event: DetectedEvent, state: ClientState, bans: ResolvedDetection["bans"]): void {
    // A client that stayed clean for maxSeconds after its last ban starts over.
    if (event.time - state.lastBanAt > bans.maxSeconds * 1000) state.bans = 0;
    const seconds = Math.min(bans.seconds * 2 ** state.bans, bans.maxSeconds);
    state.banning = true;
    const pending = store.bans
      .add(event.client, seconds, event.type)
      .then(
        () => {
          state.bans++;
          state.lastBanAt = event.time;
          metrics.bans.labels(event.type).inc();
          refreshGauge();
          logger.warn(
            { event: "banned", client: event.client, seconds, reason: event.type },
            "client banned",
          );
        },
        (error: unknown) =>
          logger.error(
            { event: "ban-failed", client: event.client, reason: event.type, error: String(error) },
            "could not ban the client: the state store failed",
          ),
      )
      .finally(() => {
        state.banning = false;
        pendingBans.delete(pending);
      });
    pendingBans.add(pending);
  }

  function record(observation: Observation, type: DetectionEvent, rule: EventRule): void {
    const at = now();
    const state = stateOf(observation.client);
    const windowMs = rule.windowSeconds * 1000;
    let counter: Counter | undefined;
    for (const c of state.counters) if (c.type === type) counter = c;
    if (counter === undefined) {
      counter = { type, window: new SlidingCount(windowMs), firedAt: Number.NEGATIVE_INFINITY };
      state.counters.push(counter);
    } else if (counter.window.windowMs !== windowMs) {
      // A reload that changed the window starts this counter over; others keep running.
      counter.window = new SlidingCount(windowMs);
    }
    const count = counter.window.hit(at);
    if (count < rule.threshold) return;
    // Once per window per client and type: a flood is one event, not one per request.
    if (at - counter.firedAt < windowMs) return;
    counter.firedAt = at;
    const items: ItemId[] = [DETECTION_ITEM];
    for (const item of observation.rejection?.items ?? [])
      if (!items.includes(item)) items.push(item);
    raise(
      {
        type,
        client: observation.client,
        count,
        windowSeconds: rule.windowSeconds,
        route: observation.route,
        items,
        time: at,
      },
      state,
    );
  }

  return {
    observe(observation) {
      // The hot path: successful answers cost one comparison or two.
      if (observation.rejection === undefined && observation.status < 400) return;
      if (closed) return;
      const type = classify(observation);
      if (type === undefined) return;
      const rule = detection.events.get(type);
      if (rule === undefined) return;
      try {
        record(observation, type, rule);
      } catch (error) {
        // The request is answered already; a detector fault must not become the client's.
        logger.error({ event: "detector-error", error: String(error) }, "detection failed");
      }
    },
    configure(next) {
      detection = next;
      alerter.configure(next.alerts);
      clients.resize(next.maxClients);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(gauge);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((done) => {
        timer = setTimeout(done, CLOSE_GRACE_MS);
      });
      await Promise.all([
        alerter.close(CLOSE_GRACE_MS),
        Promise.race([Promise.allSettled([...pendingBans]), grace]),
      ]);
      clearTimeout(timer);
    },
  };
}
