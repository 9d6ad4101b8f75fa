import type { Identity } from "./verify.js";

/** What a verified token left behind: who it names and the times to check again on reuse. */
export interface VerifiedToken {
  readonly identity: Identity;
  /** The entry that verified it: its clock tolerance and maximum lifetime apply on reuse. */
  readonly clockToleranceSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number | undefined;
  readonly jti: string | undefined;
}

/**
 * Tokens whose signature and claims were verified, by the whole token string, least recently
 * used evicted first. Only successes enter: a forged token never does, and a hit still has its
 * times and revocation checked by the caller.
 *
 * @example
 * ```ts
 * const cache = new VerifiedTokenCache(10_000);
 * cache.set(token, verified);
 * cache.get(token)?.identity.subject; // "alice"
 * ```
 */
export class VerifiedTokenCache {
  readonly #max: number;
  readonly #entries = new Map<string, VerifiedToken>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError("max must be a positive integer");
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): VerifiedToken | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the oldest key is the least used.
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    return entry;
  }

  set(token: string, entry: VerifiedToken): void {
    this.#entries.delete(token);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, entry);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }
}
