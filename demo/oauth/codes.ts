import { randomBytes } from "node:crypto";

/** What an authorization code stands for, until it is exchanged. */
export interface AuthorizationCode {
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  /** The redirect_uri of the authorization request; undefined when it named none. */
  readonly redirectUri: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: "S256" | "plain" | undefined;
  readonly expiresAt: number;
  /** The jti of the token it was exchanged for; set once spent. */
  spentFor: string | undefined;
  spent: boolean;
}

export interface CodeStore {
  issue(code: Omit<AuthorizationCode, "expiresAt" | "spent" | "spentFor">): string;
  /** The unexpired code, spent or not (a second use must revoke what the first one issued). */
  find(code: string): AuthorizationCode | undefined;
}

/**
 * Creates the store of authorization codes: 32 random bytes, 5 minutes (RFC 6749 4.1.2
 * recommends at most 10), single use.
 *
 * @example
 * ```ts
 * const codes = createCodeStore({ now: Date.now });
 * const code = codes.issue({ clientId: "demo-client", userId: "u1", scopes: [],
 *   redirectUri: undefined, codeChallenge: "E9Me...", codeChallengeMethod: "S256" });
 * ```
 */
export function createCodeStore(options: { now: () => number; ttlMs?: number }): CodeStore {
  const ttlMs = options.ttlMs ?? 5 * 60 * 1000;
  const codes = new Map<string, AuthorizationCode>();
  return {
    issue(fields) {
      const now = options.now();
      for (const [c, record] of codes) if (record.expiresAt <= now) codes.delete(c);
      const code = randomBytes(32).toString("base64url");
      codes.set(code, { ...fields, expiresAt: now + ttlMs, spent: false, spentFor: undefined });
      return code;
    },
    find(code) {
      const record = codes.get(code);
      return record && record.expiresAt > options.now() ? record : undefined;
    },
  };
}
