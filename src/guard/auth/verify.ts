import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
} from "jose";
import type { VerifiedToken } from "./cache.js";
import type { CompiledAuth, CompiledIssuer } from "./compile.js";

/**
 * Why a request was not authenticated: the `reason` label of the auth-failure metric. The client
 * sees one of three fixed answers (missing, invalid token, invalid key), never the reason.
 */
export type AuthFailure =
  | "missing"
  | "basic"
  | "malformed"
  | "forged"
  | "expired"
  | "not-yet-valid"
  | "wrong-issuer"
  | "wrong-audience"
  | "too-long-lived"
  | "too-large"
  | "forbidden-claim"
  | "missing-claim"
  | "revoked"
  | "bad-api-key";

/** Every {@link AuthFailure}, for building one refusal per reason. */
export const AUTH_FAILURES: readonly AuthFailure[] = Object.freeze([
  "missing",
  "basic",
  "malformed",
  "forged",
  "expired",
  "not-yet-valid",
  "wrong-issuer",
  "wrong-audience",
  "too-long-lived",
  "too-large",
  "forbidden-claim",
  "missing-claim",
  "revoked",
  "bad-api-key",
]);

/** Who the caller is once authenticated. */
export interface Identity {
  readonly kind: "jwt" | "api-key";
  /** The issuer's or API key's configured name. */
  readonly via: string;
  /** The token's `sub`, when it has one. */
  readonly subject: string | undefined;
  /** The token's `iss`; undefined for API keys. */
  readonly issuer: string | undefined;
  /** From `scope` (space-separated, RFC 9068 2.2.3) or `scp`; API keys have none. */
  readonly scopes: readonly string[];
  /** The verified payload; empty for API keys. */
  readonly claims: Readonly<JWTPayload>;
}

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly failure: AuthFailure };

/** What {@link authenticate} needs besides the headers. */
export interface AuthenticateOptions {
  /** The clock (tests); the current time by default. */
  readonly now?: Date;
  /** Revoked token ids (`jti`); `has` must be synchronous. */
  readonly revocations?: { has(jti: string): boolean };
}

const FAILED = Object.fromEntries(
  AUTH_FAILURES.map((failure) => [failure, Object.freeze({ ok: false, failure } as const)]),
) as Readonly<Record<AuthFailure, AuthResult>>;
const NO_CLAIMS: Readonly<JWTPayload> = Object.freeze({});
const NO_SCOPES: readonly string[] = Object.freeze([]);

/**
 * Authenticates a request by its `Authorization: Bearer` JWT or, without an Authorization
 * header, by an API key in a configured header. Never throws for client input; rejects only
 * when a remote JWKS cannot be fetched (the caller fails closed).
 *
 * @example
 * ```ts
 * const result = await authenticate(auth, req.headers, { revocations: store.revocations });
 * if (!result.ok) console.log(result.failure); // "expired"
 * ```
 */
export async function authenticate(
  auth: CompiledAuth,
  headers: IncomingHttpHeaders,
  options: AuthenticateOptions = {},
): Promise<AuthResult> {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const space = authorization.indexOf(" ");
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    if (scheme === "basic") return FAILED.basic;
    if (scheme !== "bearer") return FAILED.missing;
    return verifyBearer(auth, authorization.slice(space + 1).trim(), options);
  }
  for (const name of auth.apiKeyHeaders) {
    const value = headers[name];
    if (value !== undefined) return verifyApiKey(auth, Array.isArray(value) ? "" : value, name);
  }
  return FAILED.missing;
}

async function verifyBearer(
  auth: CompiledAuth,
  token: string,
  options: AuthenticateOptions,
): Promise<AuthResult> {
  if (token.length > auth.maxTokenBytes) return FAILED["too-large"];
  const nowMs = options.now?.getTime() ?? Date.now();
  const cached = auth.cache?.get(token);
  if (cached !== undefined) {
    const failure = recheck(cached, nowMs / 1000, options.revocations);
    if (failure === undefined) return { ok: true, identity: cached.identity };
    auth.cache?.delete(token);
    return FAILED[failure];
  }
  let header: ProtectedHeaderParameters;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    return FAILED.malformed;
  }
  if (typeof unverified.iss !== "string") return FAILED["missing-claim"];
  const byAlg = auth.issuers.get(unverified.iss);
  if (byAlg === undefined) return FAILED["wrong-issuer"];
  // `alg: none` (any spelling) or an algorithm this issuer never signs with: a forgery.
  const issuer = byAlg.get(typeof header.alg === "string" ? header.alg : "");
  if (issuer === undefined) return FAILED.forged;
  if (Buffer.byteLength(token) > issuer.maxTokenBytes) return FAILED["too-large"];
  let payload: JWTPayload;
  try {
    // One call for both overloads (static key or JWKS resolver); the payload is all we read.
    ({ payload } = await jwtVerify(
      token,
      issuer.key as Uint8Array,
      options.now ? { ...issuer.verifyOptions, currentDate: options.now } : issuer.verifyOptions,
    ));
  } catch (error) {
    if (issuer.remote && isFetchFailure(error)) throw error;
    return FAILED[failureOf(error)];
  }
  const exp = payload.exp as number;
  const iat = payload.iat as number;
  // A token minted to live longer than allowed is refused even when signed (JWT-03).
  if (exp - iat > issuer.maxLifetimeSeconds) return FAILED["too-long-lived"];
  for (const claim of Object.keys(payload))
    if (issuer.forbiddenClaims.has(claim)) return FAILED["forbidden-claim"];
  const jti = typeof payload.jti === "string" ? payload.jti : undefined;
  if (jti !== undefined && options.revocations?.has(jti)) return FAILED.revoked;
  const identity: Identity = Object.freeze({
    kind: "jwt",
    via: issuer.name,
    subject: typeof payload.sub === "string" ? payload.sub : undefined,
    issuer: payload.iss,
    scopes: scopesOf(payload),
    claims: Object.freeze(payload),
  });
  auth.cache?.set(token, verified(issuer, identity, exp, iat, payload.nbf, jti));
  return { ok: true, identity };
}

function verified(
  issuer: CompiledIssuer,
  identity: Identity,
  exp: number,
  iat: number,
  nbf: number | undefined,
  jti: string | undefined,
): VerifiedToken {
  return Object.freeze({
    identity,
    clockToleranceSeconds: issuer.clockToleranceSeconds,
    maxLifetimeSeconds: issuer.maxLifetimeSeconds,
    exp,
    iat,
    nbf,
    jti,
  });
}

/** The time checks of jose's claim validation, again, for a token verified earlier. */
function recheck(
  token: VerifiedToken,
  now: number,
  revocations: AuthenticateOptions["revocations"],
): AuthFailure | undefined {
  const tolerance = token.clockToleranceSeconds;
  if (token.exp <= now - tolerance) return "expired";
  if (token.nbf !== undefined && token.nbf > now + tolerance) return "not-yet-valid";
  const age = now - token.iat;
  if (age - tolerance > token.maxLifetimeSeconds + tolerance) return "too-long-lived";
  if (age < -tolerance) return "not-yet-valid";
  if (token.jti !== undefined && revocations?.has(token.jti)) return "revoked";
  return undefined;
}

/** `scope` is a space-separated string (RFC 9068 2.2.3); `scp` (Azure, Okta) a list or string. */
function scopesOf(payload: JWTPayload): readonly string[] {
  const claim = payload.scope ?? payload.scp;
  const words =
    typeof claim === "string"
      ? claim.split(" ")
      : Array.isArray(claim)
        ? claim.filter((s): s is string => typeof s === "string")
        : [];
  const scopes = words.filter((s) => s !== "");
  return scopes.length === 0 ? NO_SCOPES : Object.freeze(scopes);
}

/** The metric reason of a jose verification error; the client's answer is the same for all. */
function failureOf(error: unknown): AuthFailure {
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  )
    return "forged";
  // Checked before its parent class: jose reports an over-age `iat` as expired too.
  if (error instanceof errors.JWTExpired)
    return error.claim === "iat" ? "too-long-lived" : "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return "missing-claim";
    if (error.reason === "check_failed") {
      if (error.claim === "nbf" || error.claim === "iat") return "not-yet-valid";
      if (error.claim === "iss") return "wrong-issuer";
      if (error.claim === "aud") return "wrong-audience";
    }
  }
  return "malformed";
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
  if (match === undefined || presented === "") return FAILED["bad-api-key"];
  return {
    ok: true,
    identity: {
      kind: "api-key",
      via: match,
      subject: undefined,
      issuer: undefined,
      scopes: NO_SCOPES,
      claims: NO_CLAIMS,
    },
  };
}
