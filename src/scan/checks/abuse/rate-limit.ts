import { RampartError } from "../../../core/errors.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { notTested, ran } from "../outcome.js";

/**
 * Header fields that announce a throttle: draft-ietf-httpapi-ratelimit-headers (`RateLimit`,
 * `RateLimit-Policy`) and the older de-facto `X-RateLimit-*` / `X-Rate-Limit-*` families.
 */
const RATE_LIMIT_HEADER =
  /^(ratelimit|ratelimit-policy|ratelimit-(limit|remaining|reset)|x-ratelimit-[a-z-]+|x-rate-limit-[a-z-]+)$/;

/**
 * The rate-limit headers of an exchange, by name.
 *
 * @example
 * ```ts
 * rateLimitHeaders(exchange); // { "ratelimit-policy": "100;w=10", ratelimit: "limit=100, remaining=99, reset=10" }
 * ```
 */
export function rateLimitHeaders(exchange: Exchange): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.headers))
    if (RATE_LIMIT_HEADER.test(name)) found[name] = value;
  return found;
}

/**
 * ACC-01, passive (safe profile): a throttle that announces itself in RateLimit headers on
 * ordinary responses is evidence enough. Their absence proves nothing (many throttles stay
 * silent until the limit), so it leaves the item to the burst of the `full` profile.
 */
export const rateLimitHeadersCheck: ScanCheck = {
  id: "acc-01-rate-limit-headers",
  items: ["ACC-01"],
  severity: "info",
  intrusive: false,
  needs: [],
  title: "Throttling announced in RateLimit headers",
  async run(context) {
    const seen = context.target.observed.some(
      (o) => Object.keys(rateLimitHeaders(o.exchange)).length > 0,
    );
    if (seen) return ran();
    return notTested(
      "no RateLimit header on ordinary responses; the burst test runs with --profile full",
    );
  },
};

/** Options of the burst check. */
export interface RateLimitCheckOptions {
  /** Requests in the burst (default 150, at most 1000). */
  readonly burst?: number;
  /** Requests in flight at once, further bounded by the scan's `--concurrency` (default 16). */
  readonly workers?: number;
}

/** Defaults of the burst: enough to pass any sane per-second or per-minute limit of a login or API. */
export const RATE_LIMIT_DEFAULTS = Object.freeze({ burst: 150, workers: 16 });

/**
 * Creates the ACC-01 burst check (`full` profile): N GET requests, as fast as the scan's
 * concurrency allows, against one cheap endpoint that answered 2xx during discovery (health,
 * root, a small read). Throttling exists when a 429 comes back (RFC 6585 section 4); the burst
 * stops there and records after how many requests and at what rate. No 429 over the whole
 * burst is a finding with the rate achieved. A limit announced in RateLimit / X-RateLimit-* /
 * Retry-After headers also counts, and ends the burst at once: its quota may be above any
 * burst worth sending. Bounded: it never sends more than `burst` requests, and only GETs.
 *
 * @example
 * ```ts
 * const check = createRateLimitCheck({ burst: 30 });
 * check.id; // "acc-01-burst"
 * ```
 */
export function createRateLimitCheck(options: RateLimitCheckOptions = {}): ScanCheck {
  const burst = options.burst ?? RATE_LIMIT_DEFAULTS.burst;
  const workers = options.workers ?? RATE_LIMIT_DEFAULTS.workers;
  if (!Number.isInteger(burst) || burst < 2 || burst > 1000)
    throw new TypeError(`burst must be an integer from 2 to 1000 (got ${burst})`);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new TypeError(`workers must be an integer from 1 to 256 (got ${workers})`);
  return {
    id: "acc-01-burst",
    items: ["ACC-01"],
    severity: "medium",
    intrusive: true,
    needs: [],
    title: "Requests throttled with 429 under a burst",
    run: (context) => runBurst(context, burst, workers),
  };
}

/** The burst check with its defaults, as registered. */
export const rateLimitCheck: ScanCheck = createRateLimitCheck();

async function runBurst(context: CheckContext, burst: number, workers: number) {
  const target = cheapEndpoint(context);
  if (!target) return notTested("no GET endpoint answered 2xx during discovery");
  const path = new URL(target.url).pathname;
  let sent = 0;
  let answered = 0;
  const throttled: { index: number; exchange: Exchange }[] = [];
  let budgetSpent = false;
  let announced = false;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (
      sent < burst &&
      throttled.length === 0 &&
      !announced &&
      !budgetSpent &&
      !context.signal.aborted
    ) {
      const index = ++sent;
      try {
        const exchange = await context.http.trySend({ url: target.url });
        if (!exchange) continue;
        answered++;
        if (exchange.status === 429) throttled.push({ index, exchange });
        if (exchange.headers["retry-after"] || Object.keys(rateLimitHeaders(exchange)).length > 0)
          announced = true;
      } catch (error) {
        if (error instanceof RampartError && error.code === "ERR_SCAN_BUDGET") budgetSpent = true;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const seconds = Math.max((performance.now() - started) / 1000, 0.001);
  const rate = (answered / seconds).toFixed(1);
  // A 429, or a limit announced in headers (its quota may simply be above the burst).
  if (throttled.length > 0 || announced) return ran();
  if (budgetSpent)
    return notTested(
      `the request budget ran out after ${answered} of the ${burst} burst requests to GET ${path} without a 429; raise --max-requests`,
    );
  if (answered < burst)
    return notTested(
      `only ${answered} of the ${burst} burst requests to GET ${path} were answered (connection errors)`,
    );
  return ran([
    context.finding({
      title: `No throttling: ${burst} requests answered without 429`,
      detail: `A burst of ${burst} GET ${path} requests at about ${rate} requests per second got no 429 Too Many Requests and no RateLimit header: nothing slows a flood or a brute-force attack down.`,
      exchange: target,
      headers: ["ratelimit", "ratelimit-policy", "retry-after"],
      evidence: {
        note: `burst: ${burst} x GET ${path}, ${answered} answered in ${seconds.toFixed(2)} s (${rate} req/s), no 429, no RateLimit / X-RateLimit-* / Retry-After header`,
      },
      subject: "burst",
    }),
  ]);
}

/** A GET that answered 2xx: health and status endpoints first, then the shortest path. */
function cheapEndpoint(context: CheckContext): Exchange | undefined {
  const candidates = context.target.observed
    .map((o) => o.exchange)
    .filter(
      (e) =>
        e.method === "GET" &&
        e.status >= 200 &&
        e.status < 300 &&
        !e.truncated &&
        context.http.inScope(e.url),
    );
  const score = (e: Exchange): number => {
    const url = new URL(e.url);
    const cheap = /(^|\/)(health|healthz|status|ping|livez|readyz)$/i.test(url.pathname) ? 0 : 1;
    return cheap * 10_000 + url.search.length * 100 + e.body.length / 1000 + url.pathname.length;
  };
  return candidates.sort((a, b) => score(a) - score(b))[0];
}
