import { randomUUID } from "node:crypto";
import { type JWTPayload, SignJWT } from "jose";
import type { DemoContext, DemoUser } from "../types.js";

/** The `aud` of every access token the demo issues and accepts. */
export const ACCESS_TOKEN_AUDIENCE = "rampart-demo";

/** Access token lifetime when neither `no-exp` nor `long-exp` is on: 10 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;

/** Access token lifetime with `long-exp`: 30 days. */
export const LONG_ACCESS_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Seconds of clock skew tolerated on `exp` and `nbf` (RFC 7519 4.1.4 allows "small leeway"). */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Scopes a user's own login grants: everything their role allows.
 *
 * @example
 * ```ts
 * scopesOfRole(carol); // ["orders:read", "orders:write", "profile", "admin"]
 * ```
 */
export function scopesOfRole(user: DemoUser): string[] {
  const scopes = ["orders:read", "orders:write", "profile"];
  return user.role === "admin" ? [...scopes, "admin"] : scopes;
}

/** A freshly signed access token. */
export interface IssuedToken {
  readonly token: string;
  readonly jti: string;
  /** Seconds until it expires; undefined without `exp` (the `no-exp` flaw). */
  readonly expiresIn: number | undefined;
}

/**
 * The claims of an access token (RFC 7519 4.1, RFC 9068 2.2), shaped by the token flaws:
 * `no-exp` / `long-exp` (lifetime), `sensitive-claims` (PII and the password hash in a payload
 * that is only base64), `oversized-token` (padding beyond what proxies accept in a header).
 *
 * @example
 * ```ts
 * accessTokenClaims(context, alice, ["profile"], Date.now()).expiresIn; // 600
 * ```
 */
export function accessTokenClaims(
  context: DemoContext,
  user: DemoUser,
  scopes: readonly string[],
  nowMs: number,
): { claims: JWTPayload; expiresIn: number | undefined } {
  const iat = Math.floor(nowMs / 1000);
  const expiresIn = context.has("no-exp")
    ? undefined
    : context.has("long-exp")
      ? LONG_ACCESS_TOKEN_TTL_SECONDS
      : ACCESS_TOKEN_TTL_SECONDS;
  const claims: JWTPayload = {
    iss: context.baseUrl(),
    aud: ACCESS_TOKEN_AUDIENCE,
    sub: user.id,
    scope: scopes.join(" "),
    iat,
    jti: randomUUID(),
  };
  if (expiresIn !== undefined) claims.exp = iat + expiresIn;
  if (context.has("sensitive-claims")) {
    claims.email = user.email;
    claims.passwordHash = user.passwordHash;
    claims.card = user.cardNumber;
  }
  if (context.has("oversized-token")) claims.permissions = paddingPermissions();
  return { claims, expiresIn };
}

/**
 * Signs the HS256 access token of a login (`/auth/login`, `/auth/refresh`).
 *
 * @example
 * ```ts
 * const { token } = await signLoginToken(context, alice, ["profile"], Date.now());
 * ```
 */
export async function signLoginToken(
  context: DemoContext,
  user: DemoUser,
  scopes: readonly string[],
  nowMs: number,
): Promise<IssuedToken> {
  const { claims, expiresIn } = accessTokenClaims(context, user, scopes, nowMs);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(context.keys.hmacSecret);
  return { token, jti: String(claims.jti), expiresIn };
}

/**
 * Signs the RS256 access token of the OAuth token endpoint (RFC 9068: `typ` "at+jwt",
 * `client_id`), with the `kid` of the key in the JWKS.
 *
 * @example
 * ```ts
 * const now = Date.now();
 * const { token } = await signOAuthToken(context, alice, ["orders:read"], "demo-client", now);
 * ```
 */
export async function signOAuthToken(
  context: DemoContext,
  user: DemoUser,
  scopes: readonly string[],
  clientId: string,
  nowMs: number,
): Promise<IssuedToken> {
  const { claims, expiresIn } = accessTokenClaims(context, user, scopes, nowMs);
  const token = await new SignJWT({ ...claims, client_id: clientId })
    .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: context.keys.rsaKid })
    .sign(context.keys.rsaPrivateKey);
  return { token, jti: String(claims.jti), expiresIn };
}

function paddingPermissions(): string[] {
  // About 7 KiB of JSON: the encoded token (about 9.5 KiB) passes 8 KiB, a common header limit.
  const resources = ["orders", "users", "reports", "files", "products", "invoices"];
  const actions = ["read", "write", "delete", "export"];
  const permissions: string[] = [];
  for (let region = 1; permissions.length < 240; region++) {
    for (const resource of resources) {
      for (const action of actions) {
        permissions.push(`${resource}:${action}:region-${String(region).padStart(3, "0")}`);
      }
    }
  }
  return permissions.slice(0, 240);
}
