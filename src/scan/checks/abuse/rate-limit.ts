import { isJsonResponse } from "../../discovery.js";
import { MAX_HITS_PER_CHECK } from "../../passive.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, notTested, ran, whole } from "../outcome.js";
import { isApiAnswer } from "../output/security-headers.js";
import { assertCount, burst, rateLimitHeaders, throttles } from "./burst.js";

/**
 * Paths a throttle commonly leaves alone by design: the root, health and status probes, the API
 * description and well-known metadata.
 */
const EXEMPT_PATH =
  /^\/?$|(^|\/)(health|healthz|status|ping|livez|readyz|version)$|openapi|swagger|api-docs|^\/\.well-known\//i;

/**
 * ACC-01, passively (any profile): a throttle that announces itself in RateLimit headers on
 * every API answer of the scan settles the item without a burst. Answers without them prove
 * nothing (many throttles stay silent until the limit): the burst of the `full` profile decides.
 */
export const rateLimitHeadersCheck: ScanCheck = {
  id: "acc-01-rate-limit-headers",
  measuresThrottling: true,
  items: ["ACC-01"],
  proves: ["ACC-01"],
  severity: "info",
  intrusive: false,
  needs: [],
  title: "Throttling announced in RateLimit headers",
  examines: (e, meta) =>
    isApiAnswer(e, meta) &&
    e.status !== 429 &&
    e.status !== 404 &&
    !EXEMPT_PATH.test(new URL(e.url).pathname),
  inspect: (e) =>
    Object.keys(rateLimitHeaders(e)).length > 0
      ? []
      : [{ subject: "unannounced", finding: { title: "no RateLimit header", detail: "" } }],
  async run(context) {
    const record = context.passive;
    if (!record || record.responses === 0) return notTested("no API answer to read headers from");
    const silent = new Set(record.hits.map((h) => h.operation));
    const announced = [...record.examined].filter((op) => !silent.has(op));
    if (announced.length === 0)
      return notTested(
        "no RateLimit header on ordinary responses; the burst test runs with --profile full",
      );
    // One announcing operation proves little: at least half of the documented reads must have
    // been seen (a throttle is usually global, but a sample of one is no evidence of that).
    const documented = context.target.operations.filter(
      (o) => o.method === "GET" && !EXEMPT_PATH.test(o.path),
    ).length;
    const of = record.examined.size;
    const gaps = [
      ...(silent.size > 0
        ? [`${silent.size} operations answered without RateLimit headers (the burst decides)`]
        : []),
      ...(record.hits.length >= MAX_HITS_PER_CHECK ? ["more silent operations than counted"] : []),
      ...(documented > 0 && of * 2 < documented
        ? [`only ${of} of ${documented} documented reads answered`]
        : []),
    ];
    return ran([], { ...covered(announced.length, of, "operations", gaps), settles: true });
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
 * root, a small read). Throttling exists when a 429 comes back (RFC 6585 section 4), or a 503
 * with Retry-After, or a challenge page (see `throttles`); the burst stops there and records after how many requests and at what rate. No 429 over the whole
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
  const attempts = options.burst ?? RATE_LIMIT_DEFAULTS.burst;
  const workers = options.workers ?? RATE_LIMIT_DEFAULTS.workers;
  assertCount("burst", attempts, 2, 1000);
  assertCount("workers", workers, 1, 256);
  return {
    id: "acc-01-burst",
    measuresThrottling: true,
    items: ["ACC-01"],
    proves: ["ACC-01"],
    severity: "medium",
    intrusive: true,
    needs: [],
    title: "Requests throttled with 429 under a burst",
    run: (context) => runBurst(context, attempts, workers),
  };
}

/** The burst check with its defaults, as registered. */
export const rateLimitCheck: ScanCheck = createRateLimitCheck();

async function runBurst(context: CheckContext, attempts: number, workers: number) {
  const target = cheapEndpoint(context);
  if (!target) return notTested("no GET endpoint answered 2xx during discovery");
  const path = new URL(target.url).pathname;
  const result = await burst(context, {
    attempts,
    workers,
    usual: target,
    one: async () => {
      const exchange = await context.http.trySend({ url: target.url });
      return exchange ? { exchange } : {};
    },
  });
  const { answered, seconds, budgetSpent, announced } = result;
  const rate = (answered / seconds).toFixed(1);
  // A 429, or a limit announced in headers (its quota may simply be above the burst).
  // A throttle met settles the item: the RateLimit headers check is the other way to see one.
  const first = result.throttled;
  if (first) {
    const limit = `${first.exchange.status === 200 ? "a challenge page" : first.exchange.status} after ${first.index} requests to GET ${path} in ${seconds.toFixed(2)} s (about ${rate} requests per second)`;
    const bypass = await forwardedBypass(context, target);
    const observed = `${limit}; ${bypass ? `rotating ${FORWARDED_HEADERS.join(" / ")} lifted it` : "still throttled with a new X-Forwarded-For on every request"}`;
    if (!bypass) return ran([], { ...whole("endpoints"), settles: true, observed });
    return ran(
      [
        context.finding({
          title: "Throttle bypassed by rotating X-Forwarded-For",
          detail: `GET ${path} was throttled (${limit}), yet requests that each claimed another client address in ${FORWARDED_HEADERS.join(", ")} were answered ${bypass.status} while a request without them was still throttled: the limit is keyed on a header any client sets.`,
          exchange: bypass,
          evidence: { note: observed },
          subject: "forwarded-bypass",
        }),
      ],
      { ...whole("endpoints"), observed },
    );
  }
  if (announced)
    return ran([], {
      ...whole("endpoints"),
      settles: true,
      observed: `a limit announced in headers on GET ${path} after ${answered} requests`,
    });
  if (budgetSpent)
    return notTested(
      `the request budget ran out after ${answered} of the ${attempts} burst requests to GET ${path} without a 429; raise --max-requests`,
    );
  if (answered < attempts)
    return notTested(
      `only ${answered} of the ${attempts} burst requests to GET ${path} were answered (connection errors)`,
    );
  return ran(
    [
      context.finding({
        title: `No throttling: ${attempts} requests answered without 429`,
        detail: `A burst of ${attempts} GET ${path} requests at about ${rate} requests per second got no 429 Too Many Requests and no RateLimit header: nothing slows a flood or a brute-force attack down.`,
        exchange: target,
        headers: ["ratelimit", "ratelimit-policy", "retry-after"],
        evidence: {
          note: `burst: ${attempts} x GET ${path}, ${answered} answered in ${seconds.toFixed(2)} s (${rate} req/s), no 429, no RateLimit / X-RateLimit-* / Retry-After header`,
        },
        subject: "burst",
      }),
    ],
    whole("endpoints"),
  );
}

/** Headers proxies use to pass the client's address on (RFC 7239 and the de-facto ones). */
const FORWARDED_HEADERS = ["X-Forwarded-For", "X-Real-IP", "Forwarded", "X-Client-IP"] as const;

/** Requests sent with rotated client addresses once throttled. */
const ROTATION_PROBES = 5;

/**
 * Once throttled: a few requests that each claim another client address (TEST-NET-3, RFC 5737).
 * The throttle is keyed on those headers when they all get through while a request without them
 * is still refused: the answer of the last rotated request, or undefined.
 */
async function forwardedBypass(
  context: CheckContext,
  target: Exchange,
): Promise<Exchange | undefined> {
  const url = target.url;
  let last: Exchange | undefined;
  for (let i = 0; i < ROTATION_PROBES; i++) {
    const ip = `203.0.113.${10 + i + Math.floor(Math.random() * 200)}`;
    const exchange = await context.http.trySend({
      url,
      headers: {
        "x-forwarded-for": ip,
        "x-real-ip": ip,
        forwarded: `for=${ip}`,
        "x-client-ip": ip,
      },
    });
    if (!exchange || throttles(exchange, target) || exchange.status >= 400) return undefined;
    last = exchange;
  }
  // A window that reset meanwhile would let anything through: the plain request must still fail.
  const plain = await context.http.trySend({ url });
  return plain && throttles(plain, target) ? last : undefined;
}

/**
 * A GET of the API that answered 2xx: JSON answers before anything else, health and status
 * endpoints after the other JSON ones (real APIs exempt them from their limits), then the
 * cheapest answer.
 */
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
    const exempt = EXEMPT_PATH.test(url.pathname);
    const api = isJsonResponse(e) ? 0 : 1;
    return (
      api * 20_000 +
      (exempt ? 10_000 : 0) +
      url.search.length * 100 +
      e.body.length / 1000 +
      url.pathname.length
    );
  };
  return candidates.sort((a, b) => score(a) - score(b))[0];
}
