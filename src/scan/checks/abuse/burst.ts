import { RampartError } from "../../../core/errors.js";
import type { CheckContext, Exchange } from "../../types.js";

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
 * An answer that slows the client down: 429 (RFC 6585 section 4), a 503 that says when to come
 * back (RFC 9110 section 10.2.3: load shedding with Retry-After), or a challenge page (a captcha)
 * in place of the usual answer (`usual`, which must not name one itself). A bare 503 is an
 * overloaded server, not a throttle.
 *
 * @example
 * ```ts
 * throttles(exchange, first); // true for a 429, or a captcha page where `first` had data
 * ```
 */
export function throttles(exchange: Exchange, usual: Exchange): boolean {
  if (exchange.status === 429) return true;
  if (exchange.status === 503 && exchange.headers["retry-after"] !== undefined) return true;
  return CHALLENGE.test(exchange.body.slice(0, 4096)) && !CHALLENGE.test(usual.body);
}

/** The markers of a challenge page: reCAPTCHA, hCaptcha, Turnstile, or a page naming a captcha. */
const CHALLENGE = /g-recaptcha|h-captcha|cf-turnstile|challenges\.cloudflare\.com|\bcaptcha\b/i;

/** What one burst saw: the first throttle, a limit announced, or neither. */
export interface BurstResult {
  readonly attempts: number;
  readonly answered: number;
  readonly seconds: number;
  /** A login of an account that does not exist succeeded (the login burst stops there). */
  readonly granted: boolean;
  readonly budgetSpent: boolean;
  readonly throttled?: { readonly index: number; readonly exchange: Exchange };
  readonly announced?: { readonly index: number; readonly exchange: Exchange };
  /** The first answer, or the one given as usual. */
  readonly usual?: Exchange;
}

/** How a burst is sent and judged. */
export interface BurstSpec {
  readonly attempts: number;
  readonly workers: number;
  /** One request of the burst: its answer (none when nothing answered), and whether it logged in. */
  readonly one: () => Promise<{ readonly exchange?: Exchange; readonly granted?: boolean }>;
  /** The answer a challenge page is told from (default: the burst's first answer). */
  readonly usual?: Exchange;
  /** Further statuses that count as a throttle (423 Locked for logins). */
  readonly alsoThrottled?: readonly number[];
}

/**
 * Sends `attempts` requests made by `one` with a few workers, as fast as the scan's concurrency
 * allows, until a throttle (see {@link throttles}) or a limit announced in Retry-After or
 * RateLimit headers (its quota may lie above any burst worth sending), the budget or the end.
 *
 * @example
 * ```ts
 * const result = await burst(context, { attempts: 150, workers: 16, one: async () => ({ exchange: await context.http.trySend({ url }) }) });
 * ```
 */
export async function burst(context: CheckContext, spec: BurstSpec): Promise<BurstResult> {
  let sent = 0;
  let answered = 0;
  let granted = false;
  let budgetSpent = false;
  let throttled: BurstResult["throttled"];
  let announced: BurstResult["announced"];
  let usual = spec.usual;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (
      sent < spec.attempts &&
      !throttled &&
      !announced &&
      !granted &&
      !budgetSpent &&
      !context.signal.aborted
    ) {
      const index = ++sent;
      try {
        const answer = await spec.one();
        if (answer.granted) granted = true;
        const exchange = answer.exchange;
        if (!exchange) continue;
        answered++;
        usual ??= exchange;
        if (throttles(exchange, usual) || spec.alsoThrottled?.includes(exchange.status))
          throttled ??= { index, exchange };
        else if (
          exchange.headers["retry-after"] ||
          Object.keys(rateLimitHeaders(exchange)).length > 0
        )
          announced ??= { index, exchange };
      } catch (error) {
        if (error instanceof RampartError && error.code === "ERR_SCAN_BUDGET") budgetSpent = true;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.workers }, worker));
  return {
    attempts: spec.attempts,
    answered,
    seconds: Math.max((performance.now() - started) / 1000, 0.001),
    granted,
    budgetSpent,
    ...(throttled ? { throttled } : {}),
    ...(announced ? { announced } : {}),
    ...(usual ? { usual } : {}),
  };
}

/**
 * Checks a burst's size option when its check is made: an integer from `min` to `max`, or a
 * `TypeError` naming the option.
 *
 * @example
 * ```ts
 * assertCount("workers", 0, 1, 64); // throws TypeError: workers must be an integer from 1 to 64 (got 0)
 * ```
 */
export function assertCount(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new TypeError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
}
