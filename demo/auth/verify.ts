import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import type { FlawId } from "../flaws.js";
import type { DemoContext } from "../types.js";
import { verifyFlawed } from "./flawed-verify.js";
import { ACCESS_TOKEN_AUDIENCE, CLOCK_TOLERANCE_SECONDS } from "./tokens.js";

/** The outcome of verifying an access token. */
export type TokenCheck =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly reason: "expired" | "invalid" };

/** Flaws that swap jose for the hand-written, trusting verifier. */
const VERIFIER_FLAWS: readonly FlawId[] = [
  "alg-none",
  "alg-confusion",
  "jwt-header-injection",
  "exp-not-checked",
];

/**
 * Verifies an access token's signature and claims (iss, aud, exp, nbf) at `nowMs`.
 *
 * Hardened (RFC 8725 3.1, 3.2): the key is chosen by the server and each key has exactly one
 * algorithm: the HMAC secret verifies HS256 only and the RSA key (selected by its kid) RS256
 * only; nothing in the token's header is trusted. When a verification flaw is on, the
 * hand-written verifier of `flawed-verify.ts` is used instead, as vulnerable libraries did.
 *
 * @example
 * ```ts
 * const check = await verifyAccessToken(token, context, Date.now());
 * if (check.ok) console.log(check.claims.sub);
 * ```
 */
export async function verifyAccessToken(
  token: string,
  context: DemoContext,
  nowMs: number,
): Promise<TokenCheck> {
  if (VERIFIER_FLAWS.some((flaw) => context.has(flaw))) {
    return verifyFlawed(token, context, nowMs);
  }
  return verifyPinned(token, context, nowMs);
}

async function verifyPinned(
  token: string,
  context: DemoContext,
  nowMs: number,
): Promise<TokenCheck> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { ok: false, reason: "invalid" };
  }
  const rsa = kid === context.keys.rsaKid;
  const options = {
    algorithms: [rsa ? "RS256" : "HS256"],
    issuer: context.baseUrl(),
    audience: ACCESS_TOKEN_AUDIENCE,
    // With `no-exp` the issuer itself omits exp; without it, a token must expire (RFC 8725 3.10).
    requiredClaims: context.has("no-exp") ? [] : ["exp"],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate: new Date(nowMs),
  };
  try {
    const key = rsa ? context.keys.rsaPublicKey : context.keys.hmacSecret;
    const { payload } = await jwtVerify(token, key, options);
    return { ok: true, claims: payload };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}
