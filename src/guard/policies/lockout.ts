import type { RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { segmentsOf } from "../../openapi/pointer.js";
import type { ResolvedLockout } from "../config/lockout-schema.js";
import { LockoutSchema, resolveLockout } from "../config/lockout-schema.js";
import type {
  GuardPolicy,
  PolicyHooks,
  Rejection,
  RequestContext,
  ResponseHead,
  RouteSpec,
} from "../policy.js";
import { rejection } from "../policy.js";
import { routeField } from "../policy-options.js";
import { isJson } from "./json-body.js";
import {
  addressKey,
  type UsernameRead,
  usernameFromForm,
  usernameFromJson,
} from "./lockout-username.js";

/** `lockout` on a route: a login route whose failures lead to a lockout (AUTH-03). */
export const lockoutField = routeField("lockout", LockoutSchema, false, resolveLockout);

const ID = "login-lockout";
const ITEMS = Object.freeze(["AUTH-03"] as const);
const FORM = "application/x-www-form-urlencoded";
/** Methods that carry credentials in a body; other methods of a login route are not attempts. */
const LOGIN_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);
/** What is read of a login response to test `bodyMatches`: login answers are small. */
const INSPECT_BYTES = 64 * 1024;

/**
 * Login lockout with a growing jail (AUTH-03). Every attempt reserves a failure on its counters
 * BEFORE it is forwarded, and gives it back when the answer is not a failure: parallel attempts
 * therefore cannot race past the limit while their answers are still on the way. The Nth
 * consecutive failure of a username + address jails the pair for
 * `jailSeconds * growth^(jails - 1)` (at most `maxJailSeconds`); a success clears the pair's
 * consecutive failures; `maxFailuresPerIp` failures of an address in `ipWindowSeconds` refuse
 * every further attempt of that address. The refusal is one 429 for every username, known or
 * not (OWASP ASVS V2.2.1: no account enumeration through the lockout).
 *
 * @example
 * ```yaml
 * routes:
 *   - path: /login
 *     methods: [POST]
 *     public: true
 *     lockout: { username: { json: /username }, maxConsecutiveFailures: 5 }
 * ```
 */
export const lockoutPolicy: GuardPolicy = Object.freeze({
  id: ID,
  items: ITEMS,
  title: "429 for a username + address, then an address, after repeated failed logins",
  create: (route: RouteSpec) => (route.lockout ? createLockout(route, route.lockout) : undefined),
});

/** One login attempt as the lockout follows it, kept in `ctx.locals`. */
interface Attempt {
  /** Counter key of the client address (IPv6 per /64). */
  readonly address: string;
  /** Whether this attempt holds a reserved failure on the address counter. */
  addressReserved: boolean;
  /** Counter key of username + address; undefined when the body names no username. */
  user: string | undefined;
  /** The pair's consecutive failures including this attempt; 0 when none is reserved. */
  userCount: number;
  /** The upstream's status, 0 until (unless) it answered. */
  upstreamStatus: number;
  /** Whether the response body matched `bodyMatches`; undefined while unread. */
  bodyFailed: boolean | undefined;
}

type Outcome = "failure" | "success" | "none";

function createLockout(route: RouteSpec, options: ResolvedLockout): PolicyHooks {
  validate(route, options);
  const unavailable = rejection(
    lockoutPolicy,
    503,
    "Service Unavailable",
    "Login attempts cannot be checked right now.",
  );
  const source = options.username.json !== undefined ? "json" : "form";
  // Parsed once here: a malformed pointer is a config problem, not a per-request one.
  const segments = source === "json" ? segmentsOf(options.username.json as string) : [];
  const wrongType = rejection(
    lockoutPolicy,
    415,
    "Unsupported Media Type",
    source === "json"
      ? "This login route reads the username from a JSON body."
      : `This login route reads the username from an ${FORM} body.`,
  );
  const limiters = new WeakMap<object, Limiters>();
  const limitersOf = (ctx: RequestContext): Limiters => {
    const store = ctx.runtime.store;
    let found = limiters.get(store);
    if (!found) {
      found = makeLimiters(route, options, ctx);
      limiters.set(store, found);
    }
    return found;
  };

  const storeFailed = (ctx: RequestContext, error: unknown): Rejection | undefined => {
    const outcome = options.onStoreError;
    ctx.runtime.metrics.storeErrors.labels(ID, outcome).inc();
    ctx.runtime.logger.error({
      event: "store-error",
      id: ctx.id,
      policy: ID,
      outcome,
      error: String(error),
    });
    return outcome === "closed" ? unavailable : undefined;
  };

  return {
    async onRequestAsync(ctx) {
      if (!LOGIN_METHODS.has(ctx.req.method ?? "")) return undefined;
      const attempt: Attempt = {
        address: addressKey(ctx.clientIp),
        addressReserved: false,
        user: undefined,
        userCount: 0,
        upstreamStatus: 0,
        bodyFailed: undefined,
      };
      ctx.locals ??= new Map();
      ctx.locals.set(ID, attempt);
      let counted: RateLimiterRes;
      try {
        counted = await limitersOf(ctx).address.penalty(attempt.address, 1);
      } catch (error) {
        return storeFailed(ctx, error);
      }
      if (counted.consumedPoints > options.maxFailuresPerIp)
        return tooMany(counted.msBeforeNext / 1000);
      attempt.addressReserved = true;
      return undefined;
    },

    wantsRequestBody: (ctx) => attemptOf(ctx) !== undefined,

    // Parsing is synchronous and kept apart from the store lookups: an ambiguous body is
    // refused before any I/O, and the guard reads the body whichever checks run after it.
    onRequestBody(body, ctx) {
      const attempt = attemptOf(ctx);
      if (!attempt) return undefined;
      let read: UsernameRead;
      if (source === "json" && isJson(ctx.contentType)) read = usernameFromJson(body, segments);
      else if (source === "form" && ctx.contentType === FORM)
        read = usernameFromForm(body, options.username.form as string);
      else return wrongType;
      if (read.kind === "ambiguous")
        return rejection(lockoutPolicy, 400, "Bad Request", `Ambiguous login: ${read.reason}.`);
      if (read.kind === "found") attempt.user = `${read.hash}:${attempt.address}`;
      return undefined;
    },

    async onRequestBodyAsync(_body, ctx) {
      const attempt = attemptOf(ctx);
      if (!attempt?.user) return undefined;
      const { jail, failures } = limitersOf(ctx);
      try {
        const jailed = await jail.get(attempt.user);
        if (jailed !== null && jailed.consumedPoints > 1 && jailed.msBeforeNext > 0)
          return tooMany(jailed.msBeforeNext / 1000);
        const counted = await failures.penalty(attempt.user, 1);
        // More attempts in flight than failures allowed: the jail is being decided right now.
        if (counted.consumedPoints > options.maxConsecutiveFailures)
          return tooMany(options.jailSeconds);
        attempt.userCount = counted.consumedPoints;
      } catch (error) {
        return storeFailed(ctx, error);
      }
      return undefined;
    },

    onResponseHead(head: ResponseHead, ctx) {
      const attempt = attemptOf(ctx);
      if (!attempt) return undefined;
      attempt.upstreamStatus = head.status;
      if (!options.bodyMatches || options.failureStatuses.includes(head.status)) return undefined;
      // No body will follow: nothing can match.
      if (ctx.req.method === "HEAD" || head.status === 204 || head.status === 304) {
        attempt.bodyFailed = false;
        return undefined;
      }
      return INSPECT_BYTES;
    },

    onResponseBody(body, _head, ctx) {
      const attempt = attemptOf(ctx);
      if (attempt && options.bodyMatches)
        attempt.bodyFailed = options.bodyMatches.test(body.toString("utf8"));
      return undefined;
    },

    onFinish(ctx) {
      const attempt = attemptOf(ctx);
      if (!attempt) return;
      settle(attempt, outcomeOf(attempt, options), ctx, limitersOf(ctx)).catch((error) => {
        ctx.runtime.metrics.storeErrors.labels(ID, "unrecorded").inc();
        ctx.runtime.logger.error({
          event: "store-error",
          id: ctx.id,
          policy: ID,
          outcome: "unrecorded",
          error: String(error),
        });
      });
    },
  };

  /** Records what the answer says: keep a failure (and jail on the Nth), give back the rest. */
  async function settle(
    attempt: Attempt,
    outcome: Outcome,
    ctx: RequestContext,
    limiters: Limiters,
  ): Promise<void> {
    const { address, failures } = limiters;
    const user = attempt.user;
    if (outcome === "failure") {
      // Not reserved when the store failed before (onStoreError: open): count it now.
      if (!attempt.addressReserved) await address.penalty(attempt.address, 1);
      if (user === undefined) return;
      const count =
        attempt.userCount > 0
          ? attempt.userCount
          : (await failures.penalty(user, 1)).consumedPoints;
      if (count >= options.maxConsecutiveFailures) await imprison(user, ctx, limiters);
      return;
    }
    if (attempt.addressReserved) await address.reward(attempt.address, 1);
    if (user === undefined) return;
    if (outcome === "success") await failures.delete(user);
    else if (attempt.userCount > 0) await failures.reward(user, 1);
  }

  async function imprison(user: string, ctx: RequestContext, limiters: Limiters): Promise<void> {
    const jails = (await limiters.jails.penalty(user, 1)).consumedPoints;
    const seconds = Math.min(
      options.maxJailSeconds,
      Math.round(options.jailSeconds * options.growth ** (jails - 1)),
    );
    // Jail first, then clear the count: an attempt in between still meets one of the two.
    await limiters.jail.block(user, seconds);
    await limiters.failures.delete(user);
    ctx.runtime.metrics.lockouts.labels(route.path).inc();
    ctx.runtime.logger.warn({
      event: "lockout",
      id: ctx.id,
      route: route.path,
      client: ctx.clientIp,
      seconds,
      jails,
    });
  }
}

/** The counters of one login route over one store. */
interface Limiters {
  /** Failures per address in `ipWindowSeconds`. */
  readonly address: RateLimiterAbstract;
  /** Consecutive failures per username + address. */
  readonly failures: RateLimiterAbstract;
  /** Jails in force, per username + address (set with `block`). */
  readonly jail: RateLimiterAbstract;
  /** Jails served per username + address over `jailMemorySeconds`, for the growth. */
  readonly jails: RateLimiterAbstract;
}

function makeLimiters(route: RouteSpec, o: ResolvedLockout, ctx: RequestContext): Limiters {
  // The store memoises limiters by prefix: windows are part of the prefix so that a reload
  // with other windows gets limiters of its own. Counts are compared here, not by the
  // limiters (penalty never refuses), so `points` only matters to the jail.
  const base = `${ID}:${route.path}:`;
  const store = ctx.runtime.store;
  const counter = (name: string, seconds: number) =>
    store.limiter({ keyPrefix: `${base}${name}:${seconds}`, points: 1, durationSeconds: seconds });
  return {
    address: counter("address", o.ipWindowSeconds),
    failures: counter("failures", o.ipWindowSeconds),
    jail: counter("jail", o.maxJailSeconds),
    jails: counter("jails", o.jailMemorySeconds),
  };
}

function attemptOf(ctx: RequestContext): Attempt | undefined {
  return ctx.locals?.get(ID) as Attempt | undefined;
}

function outcomeOf(attempt: Attempt, options: ResolvedLockout): Outcome {
  const status = attempt.upstreamStatus;
  if (status === 0) return "none";
  if (options.failureStatuses.includes(status)) return "failure";
  if (options.bodyMatches) {
    if (attempt.bodyFailed === true) return "failure";
    // Unread (the client left, the body was too large to inspect): not a proven success.
    if (attempt.bodyFailed === undefined) return "failure";
  }
  return status >= 200 && status < 300 ? "success" : "none";
}

/** The one refusal of a jailed pair or a saturated address (RFC 6585 4, RFC 9110 10.2.3). */
function tooMany(seconds: number): Rejection {
  return rejection(
    lockoutPolicy,
    429,
    "Too Many Requests",
    "Too many failed login attempts. Try again later.",
    { "Retry-After": String(Math.max(1, Math.ceil(seconds))) },
    "brute-force",
  );
}

/** Configuration the schema cannot express; the route table reports it with the route's path. */
function validate(route: RouteSpec, options: ResolvedLockout): void {
  if (!route.methods.some((m) => LOGIN_METHODS.has(m)))
    throw new TypeError(
      `lockout needs a route that takes POST, PUT or PATCH (credentials in a body); methods are ${route.methods.join(", ")}`,
    );
  if (options.username.form !== undefined && !route.accepts.includes(FORM))
    throw new TypeError(`lockout username.form needs "${FORM}" among the route's accepts`);
  if (options.username.json !== undefined && !route.accepts.some(isJson))
    throw new TypeError(
      'lockout username.json needs "application/json" or a +json type among the route\'s accepts',
    );
}
