import { randomBytes, randomUUID } from "node:crypto";

/** What one successful login (or one OAuth code exchange) granted; logout revokes it whole. */
export interface Grant {
  readonly id: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  revoked: boolean;
}

export interface GrantStore {
  open(userId: string, scopes: readonly string[]): Grant;
  get(id: string): Grant | undefined;
  /** A new opaque refresh token of the grant. */
  issueRefreshToken(grant: Grant): string;
  /**
   * Spends a refresh token: returns its grant and a new refresh token (rotation). A token that
   * was already spent revokes its grant (RFC 9700 4.14.2: reuse means it was stolen).
   */
  rotateRefreshToken(token: string): { grant: Grant; refreshToken: string } | undefined;
  /** Remembers that access token `jti` (valid until `expiresAt`, ms) belongs to the grant. */
  noteAccessToken(jti: string, grant: Grant, expiresAt: number | undefined): void;
  grantOfAccessToken(jti: string): Grant | undefined;
  revoke(grant: Grant): void;
  isRevoked(jti: string): boolean;
}

interface RefreshRecord {
  readonly grant: Grant;
  readonly expiresAt: number;
  spent: boolean;
}

export interface GrantOptions {
  readonly now: () => number;
  readonly refreshTtlMs?: number;
  /** Access tokens remembered at most; without `exp` (the `no-exp` flaw) they never age out. */
  readonly maxTokens?: number;
}

/**
 * Creates the store of login grants, their refresh tokens and the access tokens issued under
 * them, so that logout and refresh-token reuse can revoke what was issued.
 *
 * @example
 * ```ts
 * const grants = createGrantStore({ now: Date.now });
 * const grant = grants.open("u1", ["profile"]);
 * const first = grants.issueRefreshToken(grant);
 * grants.rotateRefreshToken(first)?.refreshToken; // a new token; `first` is spent
 * ```
 */
export function createGrantStore(options: GrantOptions): GrantStore {
  const refreshTtlMs = options.refreshTtlMs ?? 8 * 60 * 60 * 1000;
  const maxTokens = options.maxTokens ?? 10_000;
  const refreshTokens = new Map<string, RefreshRecord>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number | undefined }>();
  const grants = new Map<string, Grant>();

  const prune = (): void => {
    const now = options.now();
    for (const [t, r] of refreshTokens) if (r.expiresAt <= now) refreshTokens.delete(t);
    for (const [jti, a] of accessTokens) {
      if (a.expiresAt !== undefined && a.expiresAt <= now) accessTokens.delete(jti);
    }
    while (accessTokens.size > maxTokens) {
      const oldest = accessTokens.keys().next().value;
      if (oldest === undefined) break;
      accessTokens.delete(oldest);
    }
    while (grants.size > maxTokens) {
      const oldest = grants.keys().next().value;
      if (oldest === undefined) break;
      grants.delete(oldest);
    }
  };

  const store: GrantStore = {
    open(userId, scopes) {
      const grant = { id: randomUUID(), userId, scopes: [...scopes], revoked: false };
      grants.set(grant.id, grant);
      prune();
      return grant;
    },
    get(id) {
      return grants.get(id);
    },
    issueRefreshToken(grant) {
      prune();
      const token = randomBytes(32).toString("base64url");
      refreshTokens.set(token, { grant, expiresAt: options.now() + refreshTtlMs, spent: false });
      return token;
    },
    rotateRefreshToken(token) {
      const record = refreshTokens.get(token);
      if (!record || record.expiresAt <= options.now() || record.grant.revoked) return undefined;
      if (record.spent) {
        store.revoke(record.grant);
        return undefined;
      }
      record.spent = true;
      return { grant: record.grant, refreshToken: store.issueRefreshToken(record.grant) };
    },
    noteAccessToken(jti, grant, expiresAt) {
      accessTokens.set(jti, { grant, expiresAt });
      prune();
    },
    grantOfAccessToken(jti) {
      return accessTokens.get(jti)?.grant;
    },
    revoke(grant) {
      grant.revoked = true;
    },
    isRevoked(jti) {
      return accessTokens.get(jti)?.grant.revoked ?? false;
    },
  };
  return store;
}
