import { randomBytes } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import { oauthFlows, securitySchemes } from "../../../openapi/security-schemes.js";
import { PASSWORD_FIELD, performLogin, type Sender, USERNAME_FIELD } from "../../auth/login.js";
import type { LoginRecipe } from "../../auth/schema.js";
import { configuredLogin, documentedLogins } from "../../auth/session.js";
import { identitiesOf, jsonObject } from "../../identities.js";
import type { CheckContext, ScanCheck, ScanOperation } from "../../types.js";
import { replaceStrings } from "../injection/points.js";
import { registrationsOf } from "../mass-assignment/registration.js";
import { covered, notTested, ran } from "../outcome.js";
import { assertCount, type BurstResult, burst, rateLimitHeaders, throttles } from "./burst.js";

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
  const recipe = configuredLogin(context);
  if (recipe) return recipe;
  return documentedLogins(context.target.operations, { username: "x", password: "x" })[0];
}

/**
 * Creates the ACC-01 login burst (`full` profile): failed logins, and requests of the
 * documented password resets (two at most), each for another account that does not exist (`rampart-<random>@example.invalid`, RFC 2606: no real user is ever locked out
 * nor mailed), as fast as a few workers go. A throttle (429, 423, a 503 with Retry-After, a
 * challenge page) settles it with the limit observed, and so does a limit announced in RateLimit
 * headers (its quota may be above any burst worth sending). None over the whole burst is a
 * finding: password guessing or credential stuffing meets no limit, even where reads have one.
 * The first OAuth token endpoint of the document (when the scan's own login is not a grant to
 * it) gets token requests of clients that do not exist. The documented sign-up gets the burst too, each a sign-up of the first identity's own
 * account again, which a server refuses without making an account (the burst is not sent when
 * the first one is taken). It runs last: a throttle it trips must not refuse the logins of the
 * other checks.
 *
 * @example
 * ```ts
 * createLoginBurstCheck({ attempts: 20 }).id; // "acc-01-login-burst"
 * ```
 */
export function createLoginBurstCheck(options: LoginBurstOptions = {}): ScanCheck {
  const attempts = options.attempts ?? LOGIN_BURST_DEFAULTS.attempts;
  const workers = options.workers ?? LOGIN_BURST_DEFAULTS.workers;
  assertCount("attempts", attempts, 2, 500);
  assertCount("workers", workers, 1, 64);
  return {
    id: "acc-01-login-burst",
    measuresThrottling: true,
    items: ["ACC-01"],
    proves: [],
    severity: "medium",
    intrusive: true,
    runs: "last",
    needs: [],
    title: "Failed logins, token requests, password resets and sign-ups throttled under a burst",
    run: (context) => runLoginBurst(context, attempts, workers),
  };
}

/** The login burst with its defaults, as registered. */
export const loginBurstCheck: ScanCheck = createLoginBurstCheck();

/** One burst of the check and what it saw. */
interface Measured extends BurstResult {
  readonly where: string;
  readonly what: BurstKind;
}

/** What a burst sends, in the words its report uses. */
type BurstKind = "failed logins" | "token requests" | "password resets" | "sign-ups";

/**
 * The wording of each burst's finding: the operation named in the title, what the requests
 * were, what lack of throttling leaves open, and the finding's subject.
 */
const UNTHROTTLED: Readonly<
  Record<
    BurstKind,
    { readonly of: string; readonly sent: string; readonly opens: string; readonly subject: string }
  >
> = {
  "failed logins": {
    of: "the login",
    sent: "logins of accounts that do not exist",
    opens:
      "no 429, no lock and no challenge: nothing slows password guessing or credential stuffing down",
    subject: "login",
  },
  "token requests": {
    of: "the token endpoint",
    sent: "token requests of clients that do not exist",
    opens: "no 429 and no challenge: nothing slows the guessing of client secrets down",
    subject: "token",
  },
  "password resets": {
    of: "the password reset",
    sent: "password resets for addresses that do not exist",
    opens: "no 429 and no challenge: nothing slows mail flooding or account enumeration down",
    subject: "reset",
  },
  "sign-ups": {
    of: "the sign-up",
    sent: "sign-ups (of an account that exists, so none was made)",
    opens:
      "no 429 and no challenge: nothing slows mass account creation or account enumeration down",
    subject: "sign-up",
  },
};

/** Paths of a password reset (or its request): `/forgot-password`, `/users/password/reset`. */
const RESET_PATH =
  /(forgot|reset|recover|lost)[-_]?pass(word)?|pass(word)?[-_/]?(reset|forgot|recover)|\/(forgot|reset-?request)$/i;

/** A body for a reset of an account that does not exist: every string member an unknown address. */
function resetBody(example: string | undefined, address: string): string {
  let value: unknown;
  try {
    value = example === undefined ? undefined : JSON.parse(example);
  } catch {
    value = undefined;
  }
  const fill = (v: unknown): unknown =>
    typeof v === "string"
      ? address
      : v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, fill(inner)]))
        : v;
  const filled = fill(value);
  return JSON.stringify(filled && typeof filled === "object" ? filled : { email: address });
}

/**
 * A sign-up of an account that exists already: the example with the identity's own login name
 * (an email member when it is an address, else the user-name members), so that a server that
 * checks uniqueness refuses every one and no account is made.
 */
function duplicateSignUp(example: Record<string, unknown>, login: string): string {
  const hex = randomBytes(5).toString("hex");
  const isAddress = login.includes("@");
  return JSON.stringify(
    replaceStrings(example, (key, current) => {
      if (/e-?mail/i.test(key)) return isAddress ? login : `rampart-${hex}@example.invalid`;
      if (PASSWORD_FIELD.test(key)) return `Rp-${hex}-9x!Q`;
      if (USERNAME_FIELD.test(key) || /name$/i.test(key))
        return isAddress ? `rampart${hex}` : login;
      return current;
    }),
  );
}

const unknownAccount = () => `rampart-${randomBytes(6).toString("hex")}@example.invalid`;

async function runLoginBurst(context: CheckContext, attempts: number, workers: number) {
  const recipe = loginRecipe(context);
  const resets = context.target.operations.filter(
    (o) =>
      o.method === "POST" && RESET_PATH.test(o.path) && o.bodyTypes.some((t) => /json/i.test(t)),
  );
  const signUps = registrationsOf(context.target.operations, context.vocabulary).slice(0, 1);
  const tokenUrls = documentedTokenUrls(context).filter(
    (url) =>
      !recipe?.grant || new URL(recipe.tokenUrl ?? "/", context.target.base).href !== url.href,
  );
  if (!recipe && resets.length === 0 && signUps.length === 0 && tokenUrls.length === 0)
    return notTested(
      "no login operation known (scan.login, or a documented login), no password reset, no sign-up and no OAuth token endpoint",
    );
  const send: Sender = (request) => context.http.trySend({ ...request, anonymous: true });
  const results: Measured[] = [];
  if (recipe) {
    const where = recipe.grant
      ? `POST ${recipe.tokenUrl}`
      : `${recipe.method ?? "POST"} ${recipe.path}`;
    const logins = await burst(context, {
      attempts,
      workers,
      alsoThrottled: [423],
      one: async () => {
        // Another unknown account each time, as credential stuffing goes: a lock of one account
        // (AUTH-03's business) must not pass for a throttle of the client.
        const answer = await performLogin(send, recipe, {
          username: unknownAccount(),
          password: `rampart-${randomBytes(6).toString("hex")}`,
        });
        return answer.ok
          ? { exchange: answer.session.exchange, granted: true }
          : answer.exchange
            ? { exchange: answer.exchange }
            : {};
      },
    });
    results.push({ ...logins, where, what: "failed logins" });
  }
  for (const op of resets.slice(0, 2)) {
    const resetsSeen = await burst(context, {
      attempts,
      workers,
      one: async () => {
        const exchange = await send({
          method: "POST",
          url: op.url,
          headers: { accept: "application/json", "content-type": "application/json" },
          body: resetBody(op.exampleBody, unknownAccount()),
        });
        return exchange ? { exchange } : {};
      },
    });
    results.push({ ...resetsSeen, where: `POST ${op.path}`, what: "password resets" });
  }
  for (const url of tokenUrls.slice(0, 1)) {
    const where = `POST ${url.pathname}`;
    const requests = await burst(context, {
      attempts,
      workers,
      one: async () => {
        // A client nobody registered (RFC 6749 5.2: invalid_client), so no token can be issued.
        const exchange = await send({
          method: "POST",
          url: url.href,
          headers: {
            accept: "application/json",
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: `rampart-${randomBytes(6).toString("hex")}`,
            client_secret: randomBytes(12).toString("hex"),
          }).toString(),
        });
        if (!exchange) return {};
        return exchange.status >= 200 && exchange.status < 300
          ? { exchange, granted: true }
          : { exchange };
      },
    });
    results.push({ ...requests, where, what: "token requests" });
  }
  const skipped: string[] = [];
  for (const op of signUps) {
    const signUp = await signUpBurst(context, op, attempts, workers);
    if (typeof signUp === "string") skipped.push(signUp);
    else results.push(signUp);
  }
  return judgeBursts(context, results, skipped);
}

/**
 * The OAuth token endpoints the document declares (`flows.*.tokenUrl` of its oauth2 schemes),
 * within the scan's scope.
 */
function documentedTokenUrls(context: CheckContext): URL[] {
  const document = context.target.document;
  if (!document) return [];
  const urls = new Map<string, URL>();
  for (const scheme of securitySchemes(document))
    for (const { value: flow } of oauthFlows(document, scheme)) {
      const candidate = flow.tokenUrl;
      if (typeof candidate !== "string" || candidate.length === 0) continue;
      try {
        const url = new URL(candidate, context.target.base);
        if (context.http.inScope(url)) urls.set(url.href, url);
      } catch {
        // Not a URL: nothing to send to.
      }
    }
  return [...urls.values()];
}

/**
 * The sign-up burst: sign-ups of the first identity's own account again, each refused by a
 * server that keeps accounts unique. The first is sent alone: when it is not refused, the burst
 * is not sent (it would make accounts), and the reason is returned instead.
 */
async function signUpBurst(
  context: CheckContext,
  op: ScanOperation,
  attempts: number,
  workers: number,
): Promise<Measured | string> {
  const where = `POST ${op.path}`;
  const example = jsonObject(op.fullExampleBody ?? op.exampleBody ?? "");
  const login = (await identitiesOf(context)).list.find((i) => i.username)?.username;
  if (!example || !login)
    return `the sign-up at ${where} was not tried: no identity's login name is known to sign up again`;
  const signUp = () =>
    context.http.trySend({
      method: "POST",
      url: op.url,
      anonymous: true,
      headers: { accept: "application/json", "content-type": "application/json" },
      body: duplicateSignUp(example, login),
    });
  const first = await signUp();
  // A limit that the bursts before this one tripped may cover sign-ups too.
  if (first && throttles(first, first))
    return {
      attempts: 1,
      answered: 1,
      seconds: 0,
      granted: false,
      budgetSpent: false,
      throttled: { index: 0, exchange: first },
      usual: first,
      where,
      what: "sign-ups",
    };
  if (!first || first.status < 400)
    return `the sign-up at ${where} was not tried: a sign-up with an existing account's name was answered ${first?.status ?? "nothing"}, not refused, so a burst could make accounts`;
  const seen = await burst(context, {
    attempts,
    workers,
    one: async () => {
      const exchange = await signUp();
      return exchange ? { exchange } : {};
    },
  });
  return { ...seen, where, what: "sign-ups" };
}

function judgeBursts(
  context: CheckContext,
  results: readonly Measured[],
  skipped: readonly string[] = [],
) {
  const findings: Finding[] = [];
  const observed: string[] = [];
  const gaps: string[] = [...skipped];
  let decided = 0;
  for (const r of results) {
    const rate = (r.answered / r.seconds).toFixed(1);
    if (r.granted) {
      gaps.push(
        r.what === "token requests"
          ? `a token request of a client that does not exist succeeded at ${r.where}`
          : `a login of an account that does not exist succeeded at ${r.where}`,
      );
      continue;
    }
    if (r.throttled) {
      decided++;
      observed.push(
        `${r.throttled.exchange.status} after ${r.throttled.index} ${r.what} at ${r.where} in ${r.seconds.toFixed(2)} s (about ${rate} per second)`,
      );
      continue;
    }
    if (r.announced) {
      decided++;
      observed.push(
        `a limit announced in RateLimit headers on ${r.what} at ${r.where} (${Object.entries(
          rateLimitHeaders(r.announced.exchange),
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join("; ")})`,
      );
      continue;
    }
    if (r.budgetSpent) {
      gaps.push(
        `the request budget ran out after ${r.answered} of ${r.attempts} ${r.what} at ${r.where} without a throttle; raise --max-requests`,
      );
      continue;
    }
    if (r.answered < r.attempts) {
      gaps.push(`only ${r.answered} of ${r.attempts} ${r.what} at ${r.where} were answered`);
      continue;
    }
    decided++;
    const words = UNTHROTTLED[r.what];
    const login = r.what === "failed logins";
    findings.push(
      context.finding({
        title: `No throttling on ${words.of}: ${r.attempts} ${login ? "failed logins" : "requests"} answered`,
        detail: `${r.attempts} ${words.sent}, at about ${rate} per second, were all answered (${r.usual?.status}) with ${words.opens} at ${r.where}.`,
        ...(r.usual ? { exchange: r.usual } : {}),
        evidence: {
          note: `burst: ${r.attempts} ${r.what} at ${r.where}, ${r.answered} answered in ${r.seconds.toFixed(2)} s (${rate} per second), none throttled`,
        },
        subject: login ? "login-burst" : `${words.subject}-burst:${r.where}`,
      }),
    );
  }
  if (decided === 0) return notTested(gaps.join("; ") || "no burst could be judged");
  return ran(findings, {
    ...covered(decided, results.length, "operations", gaps),
    ...(observed.length > 0 ? { observed: observed.join("; ") } : {}),
  });
}
