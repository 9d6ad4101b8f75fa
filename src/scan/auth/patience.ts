import { setTimeout as delay } from "node:timers/promises";
import { retryAfterMs } from "../throttle.js";
import { type LoginAttempt, performLogin, type Sender } from "./login.js";
import type { Credentials, LoginRecipe } from "./schema.js";

/** How long the scan waits, in all, for a login the server throttles (429 / 503). */
export const MAX_LOGIN_WAIT_MS = 60_000;

/** A refused attempt the server throttled, with the wait it asked for (ms) when it said. */
export interface Throttled {
  readonly status: number;
  readonly waitMs?: number;
}

export interface PatienceOptions {
  readonly override?: Credentials;
  /** Waits `ms` (tests pass a fake clock); default: a real timer that the signal cancels. */
  readonly wait?: (ms: number) => Promise<void>;
  readonly maxWaitMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Runs a login recipe; when the server answers 429 or 503 with a wait it asks for, waits that
 * long and tries again, within {@link MAX_LOGIN_WAIT_MS} in all. The scan's own logins use it
 * (a server's login throttle may still be spent by an earlier scan); the lockout probe does not,
 * since throttling is what it measures.
 *
 * @example
 * ```ts
 * const { attempt, throttled } = await logInPatiently(send, recipe);
 * ```
 */
export async function logInPatiently(
  send: Sender,
  recipe: LoginRecipe,
  options: PatienceOptions = {},
): Promise<{ readonly attempt: LoginAttempt; readonly throttled?: Throttled }> {
  const wait =
    options.wait ??
    ((ms: number) => delay(ms, undefined, options.signal ? { signal: options.signal } : {}));
  let budget = options.maxWaitMs ?? MAX_LOGIN_WAIT_MS;
  for (;;) {
    const attempt = await performLogin(send, recipe, options.override);
    const answer = attempt.ok ? undefined : attempt.exchange;
    if (!answer || (answer.status !== 429 && answer.status !== 503)) return { attempt };
    const waitMs = retryAfterMs(answer);
    const throttled = { status: answer.status, ...(waitMs !== undefined ? { waitMs } : {}) };
    if (waitMs === undefined || waitMs > budget) return { attempt, throttled };
    budget -= waitMs;
    try {
      await wait(waitMs);
    } catch {
      return { attempt, throttled }; // the scan was interrupted while waiting
    }
  }
}
