import { type Static, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE, StringEnum } from "../../core/validate.js";

/** Defaults of a login route's `lockout:` (AUTH-03), each the secure choice. */
export const LOCKOUT_DEFAULTS = Object.freeze({
  /**
   * Consecutive failures of one username from one address before the jail: enough for typos,
   * far too few to guess a password (NIST SP 800-63B 5.2.2 allows at most 100).
   */
  maxConsecutiveFailures: 5,
  /** Failures from one address, any usernames, per window: password spraying across accounts. */
  maxFailuresPerIp: 100,
  /**
   * The window of the per-address total; a username's consecutive failures are remembered as
   * long. A day: slow guessing still meets the limit.
   */
  ipWindowSeconds: 86_400,
  /** First jail; each further jail of the same username + address lasts `growth` times longer. */
  jailSeconds: 60,
  /** Doubling: a persistent guesser soon waits hours, a user with typos a minute. */
  growth: 2,
  /** A day at most: a jail is a brake, not an account-locking denial of service. */
  maxJailSeconds: 86_400,
  /** Jails are counted (for `growth`) over a week: coming back the next day still costs more. */
  jailMemorySeconds: 604_800,
  /** Statuses that mean "wrong credentials" (a `bodyMatches` adds answers of any status). */
  failureStatuses: Object.freeze([401, 403]) as readonly number[],
  /** Without its counters the guard cannot tell a brute force: refuse logins (503). */
  onStoreError: "closed" as "closed" | "open",
});

/** `lockout:` of a login route: how to recognise a username and a failed login. */
export const LockoutSchema = Type.Object(
  {
    /** Where the username is in the request body: a JSON pointer, or a form field name. */
    username: Type.Object(
      {
        json: Type.Optional(
          Type.String({
            pattern: "^(/[^/]*)+$",
            [PATTERN_MESSAGE]: "a JSON pointer like /username",
          }),
        ),
        form: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      },
      { additionalProperties: false },
    ),
    /**
     * A failed login: one of these statuses, or (when set) a response body matching the regex
     * (case-insensitive; with a matcher, a login response over 64 KiB is refused, never passed
     * unchecked).
     */
    failure: Type.Optional(
      Type.Object(
        {
          status: Type.Optional(
            Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1 }),
          ),
          bodyMatches: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
    maxConsecutiveFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    maxFailuresPerIp: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    ipWindowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    jailSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    growth: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    maxJailSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    jailMemorySeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    onStoreError: Type.Optional(StringEnum(["closed", "open"] as const)),
  },
  { additionalProperties: false },
);

export type LockoutConfig = Static<typeof LockoutSchema>;

/** A lockout with every default filled in; `bodyMatches` compiled. */
export interface ResolvedLockout {
  readonly username: { readonly json?: string; readonly form?: string };
  readonly failureStatuses: readonly number[];
  readonly bodyMatches: RegExp | undefined;
  readonly maxConsecutiveFailures: number;
  readonly maxFailuresPerIp: number;
  readonly ipWindowSeconds: number;
  readonly jailSeconds: number;
  readonly growth: number;
  readonly maxJailSeconds: number;
  readonly jailMemorySeconds: number;
  readonly onStoreError: "closed" | "open";
}

/**
 * Fills in the defaults of a route's `lockout:`; a bad regular expression or a username with
 * neither `json` nor `form` is reported through `report` and gives undefined.
 *
 * @example
 * ```ts
 * resolveLockout({ username: { json: "/username" } }, console.error)?.maxConsecutiveFailures; // 5
 * ```
 */
export function resolveLockout(
  config: LockoutConfig | undefined,
  report: (path: string, message: string) => void,
): ResolvedLockout | undefined {
  if (config === undefined) return undefined;
  const d = LOCKOUT_DEFAULTS;
  let ok = true;
  if ((config.username.json === undefined) === (config.username.form === undefined)) {
    report("/lockout/username", "needs exactly one of json (a JSON pointer) or form (a field)");
    ok = false;
  }
  let bodyMatches: RegExp | undefined;
  if (config.failure?.bodyMatches !== undefined) {
    try {
      bodyMatches = new RegExp(config.failure.bodyMatches, "i");
    } catch (error) {
      report(
        "/lockout/failure/bodyMatches",
        `not a regular expression: ${(error as Error).message}`,
      );
      ok = false;
    }
  }
  const jailSeconds = config.jailSeconds ?? d.jailSeconds;
  const maxJailSeconds = config.maxJailSeconds ?? d.maxJailSeconds;
  if (maxJailSeconds < jailSeconds) {
    report("/lockout/maxJailSeconds", `must be at least jailSeconds (${jailSeconds})`);
    ok = false;
  }
  if (!ok) return undefined;
  return Object.freeze({
    username: Object.freeze({ ...config.username }),
    failureStatuses: Object.freeze([...(config.failure?.status ?? d.failureStatuses)]),
    bodyMatches,
    maxConsecutiveFailures: config.maxConsecutiveFailures ?? d.maxConsecutiveFailures,
    maxFailuresPerIp: config.maxFailuresPerIp ?? d.maxFailuresPerIp,
    ipWindowSeconds: config.ipWindowSeconds ?? d.ipWindowSeconds,
    jailSeconds,
    growth: config.growth ?? d.growth,
    maxJailSeconds,
    jailMemorySeconds: config.jailMemorySeconds ?? d.jailMemorySeconds,
    onStoreError: config.onStoreError ?? d.onStoreError,
  });
}
