import { generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint } from "jose";
import type { FlawId } from "../flaws.js";
import type { DemoKeys } from "../types.js";

/**
 * The HS256 secret of access tokens with `weak-jwt-secret`: the value from the jwt.io example,
 * the first word of every JWT-cracking dictionary (RFC 8725 3.5 asks for a key with enough
 * entropy; this one has none).
 */
export const WEAK_JWT_SECRET = "your-256-bit-secret";

const generateRsa = promisify(generateKeyPair);

/**
 * Creates the demo's signing keys: the HS256 secret of the access tokens that `/auth/login`
 * issues and the RSA key pair (kid = its RFC 7638 JWK thumbprint) of the RS256 tokens that the
 * OAuth token endpoint issues.
 *
 * @example
 * ```ts
 * const keys = await createKeys(resolveFlaws("weak-jwt-secret"));
 * new TextDecoder().decode(keys.hmacSecret); // "your-256-bit-secret"
 * keys.jwks.keys[0]?.kid === keys.rsaKid; // true
 * ```
 */
export async function createKeys(flaws: ReadonlySet<FlawId>): Promise<DemoKeys> {
  const hmacSecret = flaws.has("weak-jwt-secret")
    ? new TextEncoder().encode(WEAK_JWT_SECRET)
    : new Uint8Array(randomBytes(64));
  const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
  const jwk = publicKey.export({ format: "jwk" });
  const rsaKid = await calculateJwkThumbprint({ kty: "RSA", n: jwk.n, e: jwk.e });
  return {
    hmacSecret,
    rsaPrivateKey: privateKey,
    rsaPublicKey: publicKey,
    rsaKid,
    jwks: { keys: [{ kty: "RSA", n: jwk.n, e: jwk.e, kid: rsaKid, alg: "RS256", use: "sig" }] },
  };
}
