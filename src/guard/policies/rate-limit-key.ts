import { createHash } from "node:crypto";
import type { LimitKey } from "../config/limits-schema.js";
import type { RequestContext } from "../policy.js";

/** Reads the partition a request counts against, already prefixed by its kind. */
export type PartitionOf = (ctx: RequestContext) => string;

/** Longest partition value kept as is; longer ones are hashed so store keys stay bounded. */
const MAX_VALUE_LENGTH = 128;

// Counting by a credential header must not copy the credential into the store's keys.
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

/**
 * Compiles a limit's `key` into the function that names the counter of a request. Each kind of
 * partition has its own prefix (`ip:`, `key:`, `sub:`, `hdr:`), so a token whose `sub` is an
 * address never shares the counter of that address. A request without the key (no identity on
 * a public route, header missing or empty) counts against its client address: omitting the key
 * must never mean "not counted".
 *
 * @example
 * ```ts
 * const partitionOf = compilePartition("header:x-tenant");
 * partitionOf(ctx); // "hdr:acme", or "ip:203.0.113.9" without the header
 * ```
 */
export function compilePartition(key: LimitKey): PartitionOf {
  if (key === "ip") return byAddress;
  if (key === "apiKey")
    return (ctx) =>
      ctx.identity?.kind === "api-key" ? `key:${bounded(ctx.identity.via)}` : byAddress(ctx);
  if (key === "subject")
    return (ctx) => {
      const subject = ctx.identity?.subject;
      return subject ? `sub:${bounded(subject)}` : byAddress(ctx);
    };
  if (key.startsWith("header:")) {
    const name = key.slice("header:".length).toLowerCase();
    const hashAlways = CREDENTIAL_HEADERS.has(name);
    return (ctx) => {
      const raw = ctx.req.headers[name];
      const value = Array.isArray(raw) ? raw.join(", ") : raw;
      if (!value) return byAddress(ctx);
      return `hdr:${hashAlways ? digest(value) : bounded(value)}`;
    };
  }
  throw new TypeError(`unknown limit key "${key}": ip, apiKey, subject or header:<name>`);
}

function byAddress(ctx: RequestContext): string {
  return `ip:${ctx.clientIp}`;
}

function bounded(value: string): string {
  return value.length <= MAX_VALUE_LENGTH ? value : digest(value);
}

function digest(value: string): string {
  return `#${createHash("sha256").update(value).digest("base64url")}`;
}
