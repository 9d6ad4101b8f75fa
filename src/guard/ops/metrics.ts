import { Counter, Histogram, Registry } from "prom-client";

/** The guard's Prometheus metrics (MON-02), in a registry of their own (never the global one). */
export interface GuardMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"route" | "method" | "status">;
  readonly duration: Histogram<"route">;
  readonly blocks: Counter<"policy" | "item">;
  readonly upstreamErrors: Counter<"upstream" | "reason">;
  readonly reloads: Counter<"result">;
}

/**
 * Creates the metrics of one guard instance.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * await metrics.registry.metrics(); // Prometheus text format
 * ```
 */
export function createMetrics(): GuardMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "rampart_guard_requests_total",
      help: "Requests answered, by route pattern, method and status",
      labelNames: ["route", "method", "status"],
      registers,
    }),
    duration: new Histogram({
      name: "rampart_guard_request_duration_seconds",
      help: "Time from request to response end, by route pattern",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    blocks: new Counter({
      name: "rampart_guard_blocks_total",
      help: "Requests and responses refused, by policy and checklist item",
      labelNames: ["policy", "item"],
      registers,
    }),
    upstreamErrors: new Counter({
      name: "rampart_guard_upstream_errors_total",
      help: "Upstream failures, by upstream and reason",
      labelNames: ["upstream", "reason"],
      registers,
    }),
    reloads: new Counter({
      name: "rampart_guard_reloads_total",
      help: "Configuration reloads, by result",
      labelNames: ["result"],
      registers,
    }),
  };
}
