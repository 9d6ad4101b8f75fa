import {
  constants,
  createHmac,
  createPublicKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from "node:crypto";
import type { JWTPayload } from "jose";
import type { DemoContext } from "../types.js";
import { fetchLoopback, isLoopbackUrl } from "./loopback.js";
import { ACCESS_TOKEN_AUDIENCE, CLOCK_TOLERANCE_SECONDS } from "./tokens.js";
import type { TokenCheck } from "./verify.js";

type Header = Record<string, unknown>;

const HASH_OF: Readonly<Record<string, string>> = {
  "256": "sha256",
  "384": "sha384",
  "512": "sha512",
};

/**
 * The deliberately trusting verifier, used only while a verification flaw is on. It reads the
 * algorithm from the token, as pre-2015 JWT libraries did, and each flaw opens one door that
 * RFC 8725 closes:
 * - `alg-none`: `none` in any spelling, signature ignored (RFC 8725 2.1, 3.1);
 * - `alg-confusion`: HS256 keyed with the RSA public key's PEM text (RFC 8725 2.1);
 * - `jwt-header-injection`: the key comes from the token's own `jwk` header (CVE-2018-0114) or
 *   from its `jku` URL, fetched when it is a loopback URL (RFC 8725 3.10: never trust them);
 * - `exp-not-checked`: expiry ignored (RFC 7519 4.1.4 says MUST NOT accept).
 * Everything a flaw does not open is still checked: the other algorithms, iss, aud, nbf.
 *
 * @example
 * ```ts
 * const check = await verifyFlawed("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.", context, Date.now());
 * ```
 */
export async function verifyFlawed(
  token: string,
  context: DemoContext,
  nowMs: number,
): Promise<TokenCheck> {
  const parts = token.split(".");
  if (parts.length !== 3) return invalid();
  const [rawHeader = "", rawPayload = "", rawSignature = ""] = parts;
  const header = decodeJson(rawHeader);
  const claims = decodeJson(rawPayload);
  if (!header || !claims) return invalid();
  const alg = typeof header.alg === "string" ? header.alg : "";
  const signingInput = Buffer.from(`${rawHeader}.${rawPayload}`);
  const signature = Buffer.from(rawSignature, "base64url");

  let verified: boolean;
  if (alg.toLowerCase() === "none") {
    verified = context.has("alg-none");
  } else if (/^HS(256|384|512)$/.test(alg)) {
    verified = hmacKeys(context).some((key) => hmacMatches(alg, key, signingInput, signature));
  } else if (/^(RS|PS|ES)(256|384|512)$/.test(alg)) {
    const key = await asymmetricKey(header, context);
    verified = key !== undefined && signatureMatches(alg, key, signingInput, signature);
  } else {
    verified = false;
  }
  if (!verified) return invalid();
  return checkClaims(claims as JWTPayload, context, nowMs);
}

function hmacKeys(context: DemoContext): Uint8Array[] {
  const keys = [context.keys.hmacSecret];
  if (context.has("alg-confusion")) {
    // The public key as openssl and jose export it, and the same without its final newline.
    const pem = context.keys.rsaPublicKey.export({ type: "spki", format: "pem" }).toString();
    keys.push(Buffer.from(pem), Buffer.from(pem.replace(/\n$/, "")));
  }
  return keys;
}

function hmacMatches(alg: string, key: Uint8Array, input: Buffer, signature: Buffer): boolean {
  const expected = createHmac(HASH_OF[alg.slice(2)] ?? "sha256", key)
    .update(input)
    .digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

async function asymmetricKey(header: Header, context: DemoContext): Promise<KeyObject | undefined> {
  if (context.has("jwt-header-injection")) {
    if (header.jwk !== null && typeof header.jwk === "object") return keyFromJwk(header.jwk);
    if (typeof header.jku === "string") return keyFromJku(header.jku, header.kid);
  }
  return context.keys.rsaPublicKey;
}

function keyFromJwk(jwk: object): KeyObject | undefined {
  const kty = (jwk as { kty?: unknown }).kty;
  if (kty !== "RSA" && kty !== "EC") return undefined;
  try {
    return createPublicKey({ key: jwk as never, format: "jwk" });
  } catch {
    return undefined;
  }
}

async function keyFromJku(jku: string, kid: unknown): Promise<KeyObject | undefined> {
  let url: URL;
  try {
    url = new URL(jku);
  } catch {
    return undefined;
  }
  if (!isLoopbackUrl(url)) return undefined;
  try {
    const set = JSON.parse(await fetchLoopback(url.href)) as { keys?: unknown };
    const keys = Array.isArray(set.keys) ? (set.keys as { kid?: unknown }[]) : [];
    const jwk = keys.find((k) => k && k.kid === kid) ?? (keys.length === 1 ? keys[0] : undefined);
    return jwk ? keyFromJwk(jwk) : undefined;
  } catch {
    return undefined;
  }
}

function signatureMatches(alg: string, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  const hash = HASH_OF[alg.slice(2)] ?? "sha256";
  const family = alg.slice(0, 2);
  const type = key.asymmetricKeyType;
  if ((family === "ES") !== (type === "ec") || (family !== "ES" && type !== "rsa")) return false;
  try {
    if (family === "ES") return verify(hash, input, { key, dsaEncoding: "ieee-p1363" }, signature);
    const padding = family === "PS" ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
    const saltLength = constants.RSA_PSS_SALTLEN_DIGEST;
    return verify(hash, input, { key, padding, saltLength }, signature);
  } catch {
    return false;
  }
}

function checkClaims(claims: JWTPayload, context: DemoContext, nowMs: number): TokenCheck {
  const now = Math.floor(nowMs / 1000);
  const tolerance = CLOCK_TOLERANCE_SECONDS;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== context.baseUrl() || !audiences.includes(ACCESS_TOKEN_AUDIENCE)) {
    return invalid();
  }
  if (typeof claims.nbf === "number" && claims.nbf > now + tolerance) return invalid();
  if (!context.has("exp-not-checked")) {
    if (claims.exp === undefined && !context.has("no-exp")) return invalid();
    if (claims.exp !== undefined && typeof claims.exp !== "number") return invalid();
    if (typeof claims.exp === "number" && claims.exp <= now - tolerance) {
      return { ok: false, reason: "expired" };
    }
  }
  return { ok: true, claims };
}

function decodeJson(part: string): Header | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Header)
      : undefined;
  } catch {
    return undefined;
  }
}

function invalid(): TokenCheck {
  return { ok: false, reason: "invalid" };
}
