import { redactUrl } from "../../core/redact.js";
import type { GuardMetrics } from "../ops/metrics.js";

/**
 * What the request path records of every answered request, with the metric children and the
 * logged request targets cached: prom-client's label hashing and the dozen regular expressions
 * of a URL's redaction are paid once per distinct value, not once per request.
 *
 * @example
 * ```ts
 * const stats = new RequestStats(createMetrics());
 * stats.counted("/api/items", "GET", 200).inc();
 * stats.timed("/api/items").observe(0.0004);
 * stats.loggedUrl("/api/items?token=x"); // redacted
 * ```
 */
export class RequestStats {
  // Nested by label rather than keyed by a joined string: no string to build and hash per request.
  private readonly counters = new Map<string, Map<string, Map<number, { inc(): void }>>>();
  private readonly timers = new Map<string, { observe(v: number): void }>();
  // Only short targets without a query are kept: an API sees the same few over and over.
  private readonly loggedUrls = new Map<string, string>();

  constructor(private readonly metrics: GuardMetrics) {}

  /** The request counter of one route pattern, method and status. */
  counted(route: string, method: string, status: number): { inc(): void } {
    let byMethod = this.counters.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.counters.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let child = byStatus.get(status);
    if (!child) {
      child = this.metrics.requestCounter(route, method, status);
      byStatus.set(status, child);
    }
    return child;
  }

  /** The duration histogram of one route pattern. */
  timed(route: string): { observe(v: number): void } {
    let child = this.timers.get(route);
    if (!child) {
      child = this.metrics.duration.labels(route);
      this.timers.set(route, child);
    }
    return child;
  }

  /** A request target as logged: redacted. */
  loggedUrl(raw: string): string {
    let logged = this.loggedUrls.get(raw);
    if (logged === undefined) {
      logged = redactUrl(raw);
      if (raw.length <= 256 && !raw.includes("?")) {
        if (this.loggedUrls.size >= 1024) this.loggedUrls.clear();
        this.loggedUrls.set(raw, logged);
      }
    }
    return logged;
  }
}
