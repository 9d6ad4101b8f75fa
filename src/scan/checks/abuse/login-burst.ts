import { randomBytes } from "node:crypto";
import { RampartError } from "../../../core/errors.js";
import { performLogin, type Sender } from "../../auth/login.js";
import type { LoginRecipe } from "../../auth/schema.js";
import { documentedLogins } from "../../auth/session.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";
import { rateLimitHeaders, throttles } from "./rate-limit.js";

/** Options of the login burst. */
export interface LoginBurstOptions {
  /** Failed logins in the burst (default 60, at most 500). */
  readonly attempts?: number;
  /** Logins in flight at once (default 8). */
  readonly workers?: number;
}

/**
 * Defaults: 60 failed logins pass any login throttle worth the name (a few per minute per
 * address is usual) and stay a small share of a scan's request budget.
 */
export const LOGIN_BURST_DEFAULTS = Object.freeze({ attempts: 60, workers: 8 });

/** The login the scan knows: its own recipe, an identity's, or the document's login operation. */
function loginRecipe(context: CheckContext): LoginRecipe | undefined {
  const recipe =
    context.target.auth?.recipe ??
    context.config?.login ??
    context.config?.identities?.find((i) => i.login)?.login;
  if (recipe) return recipe;
  return documentedLogins(context.target.operations, { username: "x", password: "x" })[0];
}

/**
 * Creates the ACC-01 login burst (`full` profile): failed logins, each for another account that
 * does not exist (`rampart-<random>@example.invalid`, RFC 2606: no real user is ever locked out
 * nor mailed), as fast as a few workers go. A throttle (429, 423, a 503 with Retry-After, a
 * challenge page) settles it with the limit observed, and so does a limit announced in RateLimit
 * headers (its quota may be above any burst worth sending). None over the whole burst is a
 * finding: password guessing or credential stuffing meets no limit, even where reads have one.
 * It runs last: a throttle it trips must not refuse the logins of the other checks.
 *
 * @example
 * ```ts
 * createLoginBurstCheck({ attempts: 20 }).id; // "acc-01-login-burst"
 * ```
 */
export function createLoginBurstCheck(options: LoginBurstOptions = {}): ScanCheck {
  const attempts = options.attempts ?? LOGIN_BURST_DEFAULTS.attempts;
  const workers = options.workers ?? LOGIN_BURST_DEFAULTS.workers;
  if (!Number.isInteger(attempts) || attempts < 2 || attempts > 500)
    throw new TypeError(`attempts must be an integer from 2 to 500 (got ${attempts})`);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new TypeError(`workers must be an integer from 1 to 64 (got ${workers})`);
  return {
    id: "acc-01-login-burst",
    measuresThrottling: true,
    items: ["ACC-01"],
    proves: [],
    severity: "medium",
    intrusive: true,
    runs: "last",
    needs: [],
    title: "Failed logins throttled under a burst",
    run: (context) => runLoginBurst(context, attempts, workers),
  };
}

/** The login burst with its defaults, as registered. */
export const loginBurstCheck: ScanCheck = createLoginBurstCheck();

async function runLoginBurst(context: CheckContext, attempts: number, workers: number) {
  const recipe = loginRecipe(context);
  if (!recipe) return notTested("no login operation known (scan.login, or a documented login)");
  const where = recipe.grant
    ? `POST ${recipe.tokenUrl}`
    : `${recipe.method ?? "POST"} ${recipe.path}`;
  const send: Sender = (request) => context.http.trySend({ ...request, anonymous: true });
  let sent = 0;
  let answered = 0;
  let granted = false;
  let budgetSpent = false;
  let throttled: { index: number; exchange: Exchange } | undefined;
  let announced: { index: number; exchange: Exchange } | undefined;
  let usual: Exchange | undefined;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (
      sent < attempts &&
      !throttled &&
      !announced &&
      !granted &&
      !budgetSpent &&
      !context.signal.aborted
    ) {
      const index = ++sent;
      try {
        // Another unknown account each time, as credential stuffing goes: a lock of one account
        // (AUTH-03's business) must not pass for a throttle of the client.
        const username = `rampart-${randomBytes(6).toString("hex")}@example.invalid`;
        const password = `rampart-${randomBytes(6).toString("hex")}`;
        const answer = await performLogin(send, recipe, { username, password });
        if (answer.ok) granted = true;
        const exchange = answer.ok ? answer.session.exchange : answer.exchange;
        if (!exchange) continue;
        answered++;
        usual ??= exchange;
        if (throttles(exchange, usual) || exchange.status === 423)
          throttled ??= { index, exchange };
        // A limit the login announces may lie above any burst worth sending (as for reads).
        else if (Object.keys(rateLimitHeaders(exchange)).length > 0)
          announced ??= { index, exchange };
      } catch (error) {
        if (error instanceof RampartError && error.code === "ERR_SCAN_BUDGET") budgetSpent = true;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const seconds = Math.max((performance.now() - started) / 1000, 0.001);
  const rate = (answered / seconds).toFixed(1);
  if (granted) return notTested(`a login of an account that does not exist succeeded at ${where}`);
  if (throttled)
    return ran([], {
      ...whole("login operations"),
      observed: `${throttled.exchange.status} after ${throttled.index} failed logins at ${where} in ${seconds.toFixed(2)} s (about ${rate} per second)`,
    });
  if (announced)
    return ran([], {
      ...whole("login operations"),
      observed: `a limit announced in RateLimit headers on failed logins at ${where} (${Object.entries(
        rateLimitHeaders(announced.exchange),
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ")})`,
    });
  if (budgetSpent)
    return notTested(
      `the request budget ran out after ${answered} of ${attempts} failed logins at ${where} without a throttle; raise --max-requests`,
    );
  if (answered < attempts)
    return notTested(`only ${answered} of ${attempts} failed logins at ${where} were answered`);
  return ran(
    [
      context.finding({
        title: `No throttling on the login: ${attempts} failed logins answered`,
        detail: `${attempts} logins of accounts that do not exist, at about ${rate} per second, were all answered (${usual?.status}) with no 429, no lock and no challenge: nothing slows password guessing or credential stuffing down at ${where}.`,
        ...(usual ? { exchange: usual } : {}),
        evidence: {
          note: `burst: ${attempts} failed logins at ${where}, ${answered} answered in ${seconds.toFixed(2)} s (${rate} per second), none throttled`,
        },
        subject: "login-burst",
      }),
    ],
    whole("login operations"),
  );
}
