import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { decodeJwt, errors, jwtVerify } from "jose";
import type { CompiledAuth, CompiledIssuer } from "./compile.js";

/** Why a request was not authenticated; each maps to one fixed RFC 6750 answer. */
export type AuthFailure = "missing" | "basic" | "invalid-token" | "invalid-key";

/** Who the caller is once authenticated. */
export interface Identity {
  readonly kind: "jwt" | "api-key";
  /** The issuer's or API key's configured name. */
  readonly via: string;
  /** The token's `sub`, when it has one. */
  readonly subject: string | undefined;
}

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly failure: AuthFailure };

const MISSING: AuthResult = Object.freeze({ ok: false, failure: "missing" });
const BASIC: AuthResult = Object.freeze({ ok: false, failure: "basic" });
const BAD_TOKEN: AuthResult = Object.freeze({ ok: false, failure: "invalid-token" });
const BAD_KEY: AuthResult = Object.freeze({ ok: false, failure: "invalid-key" });

/**
 * Authenticates a request by its `Authorization: Bearer` JWT or, without an Authorization
 * header, by an API key in a configured header. Never throws for client input; rejects only
 * when a remote JWKS cannot be fetched (the caller fails closed).
 *
 * @example
 * ```ts
 * const result = await authenticate(auth, req.headers);
 * if (!result.ok) console.log(result.failure); // "invalid-token"
 * ```
 */
export async function authenticate(
  auth: CompiledAuth,
  headers: IncomingHttpHeaders,
  now?: Date,
): Promise<AuthResult> {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const space = authorization.indexOf(" ");
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    if (scheme === "basic") return BASIC;
    if (scheme !== "bearer") return MISSING;
    return verifyBearer(auth, authorization.slice(space + 1).trim(), now);
  }
  for (const name of auth.apiKeyHeaders) {
    const value = headers[name];
    if (value !== undefined) return verifyApiKey(auth, Array.isArray(value) ? "" : value, name);
  }
  return MISSING;
}

async function verifyBearer(
  auth: CompiledAuth,
  token: string,
  now: Date | undefined,
): Promise<AuthResult> {
  if (token.length > auth.maxTokenBytes) return BAD_TOKEN;
  let issuer: CompiledIssuer | undefined;
  try {
    const iss = decodeJwt(token).iss;
    issuer = iss === undefined ? undefined : auth.issuers.get(iss);
  } catch {
    return BAD_TOKEN;
  }
  if (!issuer || Buffer.byteLength(token) > issuer.maxTokenBytes) return BAD_TOKEN;
  try {
    // One call for both overloads (static key or JWKS resolver); the payload is all we read.
    const { payload } = await jwtVerify(
      token,
      issuer.key as Uint8Array,
      now ? { ...issuer.verifyOptions, currentDate: now } : issuer.verifyOptions,
    );
    // A token minted to live longer than allowed is refused even when signed (JWT-03).
    if ((payload.exp as number) - (payload.iat as number) > issuer.maxLifetimeSeconds)
      return BAD_TOKEN;
    for (const claim of Object.keys(payload))
      if (issuer.forbiddenClaims.has(claim)) return BAD_TOKEN;
    return {
      ok: true,
      identity: { kind: "jwt", via: issuer.name, subject: payload.sub },
    };
  } catch (error) {
    if (issuer.remote && isFetchFailure(error)) throw error;
    return BAD_TOKEN;
  }
}

/** A JWKS that cannot be fetched or parsed is the guard's problem, not the client's. */
function isFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === "ERR_JOSE_GENERIC"
  );
}

function verifyApiKey(auth: CompiledAuth, presented: string, header: string): AuthResult {
  const digest = createHash("sha256").update(presented, "utf8").digest();
  let match: string | undefined;
  // Every stored hash is compared, each in constant time, so timing tells nothing of which.
  for (const key of auth.apiKeys)
    if (timingSafeEqual(digest, key.hash) && key.header === header) match ??= key.name;
  if (match === undefined || presented === "") return BAD_KEY;
  return { ok: true, identity: { kind: "api-key", via: match, subject: undefined } };
}
