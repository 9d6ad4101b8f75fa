import { randomBytes } from "node:crypto";

/** A server-side session, named by the `sid` cookie. */
export interface Session {
  readonly sid: string;
  readonly userId: string;
  /** The login grant it belongs to (logging out revokes the whole grant). */
  readonly grantId: string;
  readonly expiresAt: number;
}

export interface SessionStore {
  create(userId: string, grantId: string): Session;
  get(sid: string): Session | undefined;
  delete(sid: string): void;
  deleteGrant(grantId: string): void;
}

export interface SessionOptions {
  readonly now: () => number;
  /** `predictable-session-id`: sequential ids (`sess-000001`) instead of 32 random bytes. */
  readonly predictable: boolean;
  readonly ttlMs?: number;
}

/**
 * Creates the session store. Session ids are 32 bytes from the CSPRNG (base64url), as OWASP's
 * session management guidance asks (at least 64 bits of entropy); the flawed twin counts.
 *
 * @example
 * ```ts
 * const sessions = createSessionStore({ now: Date.now, predictable: true });
 * sessions.create("u1", "g1").sid; // "sess-000001"
 * ```
 */
export function createSessionStore(options: SessionOptions): SessionStore {
  const ttlMs = options.ttlMs ?? 8 * 60 * 60 * 1000;
  const sessions = new Map<string, Session>();
  let counter = 0;

  const nextSid = (): string => {
    if (!options.predictable) return randomBytes(32).toString("base64url");
    counter += 1;
    return `sess-${String(counter).padStart(6, "0")}`;
  };

  return {
    create(userId, grantId) {
      prune(sessions, options.now());
      const session = { sid: nextSid(), userId, grantId, expiresAt: options.now() + ttlMs };
      sessions.set(session.sid, session);
      return session;
    },
    get(sid) {
      const session = sessions.get(sid);
      if (!session) return undefined;
      if (session.expiresAt <= options.now()) {
        sessions.delete(sid);
        return undefined;
      }
      return session;
    },
    delete(sid) {
      sessions.delete(sid);
    },
    deleteGrant(grantId) {
      for (const [sid, session] of sessions) if (session.grantId === grantId) sessions.delete(sid);
    },
  };
}

function prune(sessions: Map<string, Session>, now: number): void {
  for (const [sid, session] of sessions) if (session.expiresAt <= now) sessions.delete(sid);
}
