import { randomBytes } from "node:crypto";
import { type LoginAttempt, performLogin, type Sender } from "../../auth/login.js";
import type { LoginRecipe } from "../../auth/schema.js";
import { configuredLogin, documentedLogins } from "../../auth/session.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";

/** The test account of the lockout check (`scan.lockout` in rampart.yaml). */
export interface LockoutAccount {
  /** Path or in-scope URL of the login operation; default: the login recipe's. */
  readonly path?: string;
  readonly username: string;
  readonly password: string;
  /** Failed logins before the right password (default 10, at most 50). */
  readonly attempts?: number;
}

/** Failed logins sent by default: twice the usual 5 of a jail, few enough to stay harmless. */
export const LOCKOUT_DEFAULT_ATTEMPTS = 10;
/** At most this many failed logins, whatever the config says. */
export const LOCKOUT_MAX_ATTEMPTS = 50;

/**
 * "Refused, try later": 429 (RFC 6585), 423 Locked (RFC 4918), and 503 only with Retry-After
 * (RFC 9110 section 15.6.4): a bare 503 is an overloaded server, not a jail.
 */
function throttles(answer: Exchange): boolean {
  return (
    answer.status === 423 ||
    answer.status === 429 ||
    (answer.status === 503 && answer.headers["retry-after"] !== undefined)
  );
}

/**
 * Creates the AUTH-03 lockout check (`full` profile): with a dedicated test account, one good
 * login (to learn what success looks like), N failed logins with a wrong password, then the
 * right password again. If the right password still gets in, nothing stops password guessing
 * (finding, high). A refusal (429 / 423 / 401 / 403, or a 200 whose body reads like the
 * failures) is a lockout, recorded with the attempt it started at. Without an account the check
 * is not tested: it never guesses at real users' passwords.
 *
 * @example
 * ```ts
 * const check = createLockoutCheck({ username: "lockout-test", password: "..." });
 * check.id; // "auth-03-lockout"
 * ```
 */
export function createLockoutCheck(account?: LockoutAccount): ScanCheck {
  if (account) validAttempts(account);
  return {
    id: "auth-03-lockout",
    measuresThrottling: true,
    items: ["AUTH-03"],
    proves: ["AUTH-03"],
    severity: "high",
    intrusive: true,
    needs: [],
    title: "Logins locked after repeated failures",
    run: (context) => {
      const chosen = account ?? context.config?.lockout;
      if (!chosen)
        return Promise.resolve(
          notTested("needs a lockout test account (scan.lockout in rampart.yaml)"),
        );
      return runLockout(context, chosen, validAttempts(chosen));
    },
  };
}

/** The lockout check as registered: it takes its account from `scan.lockout`. */
export const lockoutCheck: ScanCheck = createLockoutCheck();

function validAttempts(account: LockoutAccount): number {
  const attempts = account.attempts ?? LOCKOUT_DEFAULT_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > LOCKOUT_MAX_ATTEMPTS)
    throw new TypeError(
      `lockout attempts must be an integer from 1 to ${LOCKOUT_MAX_ATTEMPTS} (got ${attempts})`,
    );
  if (account.username === "" || account.password === "")
    throw new TypeError("the lockout account needs a username and a password");
  return attempts;
}

/**
 * The recipe the lockout check replays: the scan's own login (or the first identity's), at the
 * lockout account's path when it names one; without any recipe, the document's login operation
 * (at that path when given) with the fields its schema names, and only then a JSON POST of
 * `username` and `password` to the path.
 */
function lockoutRecipe(context: CheckContext, account: LockoutAccount): LoginRecipe | undefined {
  const recipe = configuredLogin(context);
  if (recipe?.grant) return recipe;
  if (recipe && (account.path === undefined || account.path === recipe.path)) return recipe;
  if (recipe && account.path !== undefined) return { ...recipe, path: account.path };
  const path =
    account.path === undefined ? undefined : new URL(account.path, context.target.base).pathname;
  const [documented] = documentedLogins(context.target.operations, account, path);
  if (documented) return documented;
  if (account.path === undefined) return undefined;
  return { path: account.path, body: { username: account.username, password: account.password } };
}

async function runLockout(context: CheckContext, account: LockoutAccount, attempts: number) {
  const recipe = lockoutRecipe(context, account);
  if (!recipe) return notTested("no login path: set scan.lockout.path or a scan.login recipe");
  const where = recipe.grant
    ? `POST ${recipe.tokenUrl}`
    : `${recipe.method ?? "POST"} ${recipe.path}`;
  const send: Sender = (request) => context.http.trySend({ ...request, anonymous: true });
  const attempt = (password: string) =>
    performLogin(send, recipe, { username: account.username, password });
  const first = await attempt(account.password);
  if (!first.ok)
    return notTested(
      `the lockout account could not log in at ${where} (${first.reason}); check scan.lockout`,
    );
  const wrong = `rampart-wrong-${randomBytes(6).toString("hex")}`;
  // Logged in as the first good login was: a token or a session of the same kind.
  const grants = (a: LoginAttempt) => a.ok && sameKind(a.session.exchange, first.session.exchange);
  const failures: Exchange[] = [];
  for (let i = 1; i <= attempts; i++) {
    const answer = await attempt(wrong);
    if (grants(answer))
      return notTested(
        `a wrong password was answered like a login (${answer.ok ? answer.session.exchange.status : "?"})`,
      );
    if (!answer.ok && !answer.exchange)
      return notTested(`a failed login at ${where} got no answer`);
    if (!answer.ok && answer.exchange) failures.push(answer.exchange);
  }
  const last = await attempt(account.password);
  const surface = whole("login operations");
  const lastAnswer = last.ok ? last.session.exchange : last.exchange;
  if (!grants(last)) {
    // A server error or an overload (Directus answers 503 "Under pressure" without Retry-After)
    // is no lockout: the right password was not judged at all.
    if (!lastAnswer || (lastAnswer.status >= 500 && !throttles(lastAnswer)))
      return notTested(
        `the right password after ${attempts} wrong ones got ${lastAnswer?.status ?? "no answer"} at ${where}: a failing or overloaded server, not a lockout`,
      );
    return ran([], {
      ...surface,
      observed: `the right password was refused (${lastAnswer.status}) after ${attempts} wrong ones (${summarise(failures)})`,
    });
  }
  // It still got in, but some attempts were throttled or locked on the way: a time-window jail.
  const throttled = failures.filter(throttles);
  if (throttled.length > 0)
    return ran([], {
      ...surface,
      observed: `${throttled.length} of ${attempts} wrong passwords were throttled or locked (${summarise(throttled)}); the right one was let in afterwards`,
    });
  const granted = last.ok ? last.session.exchange : undefined;
  return ran(
    [
      context.finding({
        title: `No lockout after ${attempts} failed logins`,
        detail: `${attempts} logins of the test account with a wrong password, then the right one: it still got in (${granted?.status}). Nothing stops an attacker from guessing passwords at full speed.`,
        ...(granted ? { exchange: granted } : {}),
        evidence: {
          request: `${where} HTTP/1.1 (the right password after ${attempts} wrong ones)`,
          note: `wrong-password answers: ${summarise(failures)}; right password afterwards: ${granted?.status} with a token or session`,
        },
        subject: "lockout",
      }),
    ],
    surface,
  );
}

/** Logged in the same way: the same class of status, and the same redirect or answer keys. */
function sameKind(answer: Exchange, success: Exchange): boolean {
  if (Math.floor(answer.status / 100) !== Math.floor(success.status / 100)) return false;
  if (success.status >= 300 && success.status < 400)
    return (
      pathOf(answer.headers.location, answer.url) === pathOf(success.headers.location, success.url)
    );
  return keysOf(answer.body) === keysOf(success.body);
}

function pathOf(location: string | undefined, base: string): string {
  return new URL(location ?? "/", base).pathname;
}

function keysOf(body: string): string {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === "object" ? Object.keys(value).sort().join(",") : "";
  } catch {
    return "";
  }
}

function summarise(failures: readonly Exchange[]): string {
  const counts = new Map<number, number>();
  for (const f of failures) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} x ${status}`).join(", ");
}
