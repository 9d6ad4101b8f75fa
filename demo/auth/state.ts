import type { FlawId } from "../flaws.js";
import { createGrantStore, type GrantStore } from "./grants.js";
import { createLockout, createNoLockout, type Lockout } from "./lockout.js";
import { createSessionStore, type SessionStore } from "./sessions.js";

/** The mutable authentication state of one running demo. */
export interface AuthState {
  /** Milliseconds since the epoch: the clock of every expiry and lockout decision. */
  now(): number;
  readonly lockout: Lockout;
  readonly sessions: SessionStore;
  readonly grants: GrantStore;
}

/**
 * Creates the authentication state of one demo (lockout counters, sessions, OAuth grants), all
 * driven by the demo's one clock.
 *
 * @example
 * ```ts
 * const auth = createAuthState(new Set(["no-lockout"]), Date.now);
 * auth.sessions.get(sid);
 * ```
 */
export function createAuthState(flaws: ReadonlySet<FlawId>, now: () => number): AuthState {
  return {
    now,
    lockout: flaws.has("no-lockout") ? createNoLockout() : createLockout({ now }),
    sessions: createSessionStore({ now, predictable: flaws.has("predictable-session-id") }),
    grants: createGrantStore({ now }),
  };
}
