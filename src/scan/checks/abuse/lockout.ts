import { randomBytes } from "node:crypto";
import { isErrorBody } from "../../responses.js";
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

/** Statuses that mean "refused, try later": 429 (RFC 6585), 423 Locked (RFC 4918), 503. */
const LOCKED_STATUSES = new Set([423, 429, 503]);

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

async function runLockout(context: CheckContext, account: LockoutAccount, attempts: number) {
  const recipe = context.target.observed.find((o) => o.source === "login")?.exchange;
  const path = account.path ?? (recipe ? new URL(recipe.url).pathname : undefined);
  if (path === undefined)
    return notTested("no login path: set scan.lockout.path or a scan.login recipe");
  const fields = credentialFields(recipe?.requestBody);
  const attempt = (password: string) =>
    context.http.send({
      method: "POST",
      url: path,
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        ...fields.base,
        [fields.username]: account.username,
        [fields.password]: password,
      }),
      anonymous: true,
    });
  const first = await attempt(account.password);
  if (!isSuccess(first))
    return notTested(
      `the lockout account could not log in at POST ${path} (${first.status}); check scan.lockout`,
    );
  const wrong = `rampart-wrong-${randomBytes(6).toString("hex")}`;
  const grants = (e: Exchange) => isSuccess(e) && sameKind(e, first);
  const failures: Exchange[] = [];
  for (let i = 1; i <= attempts; i++) {
    const answer = await attempt(wrong);
    if (grants(answer))
      return notTested(`a wrong password was answered like a login (${answer.status})`);
    failures.push(answer);
  }
  const last = await attempt(account.password);
  // Refused (status or failure body), or refused some attempts already: a lockout or throttle.
  if (!grants(last) || failures.some((f) => LOCKED_STATUSES.has(f.status)))
    return ran([], whole("login operations"));
  return ran(
    [
      context.finding({
        title: `No lockout after ${attempts} failed logins`,
        detail: `${attempts} logins of the test account with a wrong password, then the right one: it still got in (${last.status}). Nothing stops an attacker from guessing passwords at full speed.`,
        exchange: last,
        evidence: {
          request: `POST ${path} HTTP/1.1 (the right password after ${attempts} wrong ones)`,
          note: `wrong-password answers: ${summarise(failures)}; right password afterwards: ${last.status} with a token`,
        },
        subject: "lockout",
      }),
    ],
    whole("login operations"),
  );
}

/** The login body's field names: those of the login recipe when it has them. */
function credentialFields(recipeBody: string | undefined): {
  base: Record<string, unknown>;
  username: string;
  password: string;
} {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = recipeBody === undefined ? {} : JSON.parse(recipeBody);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = {};
  }
  const keys = Object.keys(body);
  const password = keys.find((k) => /pass|secret|pin/i.test(k)) ?? "password";
  const username =
    keys.find((k) => k !== password && /user|login|email|name|account/i.test(k)) ?? "username";
  const base = Object.fromEntries(
    Object.entries(body).filter(([k]) => k !== password && k !== username),
  );
  return { base, username, password };
}

/** 2xx with something that grants access: a token field or a cookie, and no error body. */
function isSuccess(exchange: Exchange): boolean {
  if (exchange.status < 200 || exchange.status >= 300) return false;
  if (isErrorBody(exchange.body)) return false;
  return exchange.setCookies.length > 0 || hasToken(exchange);
}

/** Grants access the way the first good login did: a token field, or a cookie and its body keys. */
function sameKind(answer: Exchange, success: Exchange): boolean {
  if (hasToken(success)) return hasToken(answer);
  return answer.setCookies.length > 0 && keysOf(answer.body) === keysOf(success.body);
}

function hasToken(exchange: Exchange): boolean {
  return /"(access_token|id_token|token|session|sessionId|jwt)"\s*:\s*"[^"]/i.test(exchange.body);
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
