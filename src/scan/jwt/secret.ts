import { createHmac } from "node:crypto";
import { buildSecretWordlist } from "../../vocabulary/jwt-secrets.js";
import type { CheckContext } from "../types.js";
import { type CrackResult, crackHmacSecret, hmacSecretTester } from "./crack.js";
import type { ScanToken } from "./target.js";
import { base64UrlEncode, type JsonObject } from "./token.js";

/**
 * Runs the dictionary attack on the scan's HS256/384/512 token once per scan (JWT-01 reports
 * it, JWT-03 signs expired copies with what it finds); undefined for other algorithms.
 *
 * @example
 * ```ts
 * const result = await crackedSecret(context, own);
 * if (result?.secret) ...
 * ```
 */
export function crackedSecret(
  context: CheckContext,
  own: ScanToken,
): Promise<CrackResult | undefined> {
  return context.shared("jwt:secret", async () => {
    const tester = hmacSecretTester(own.jwt);
    if (!tester) return undefined;
    // The configuration's own known-weak secrets (vocabulary.jwtSecrets) first.
    const words = [
      ...context.vocabulary.words.jwtSecrets,
      ...buildSecretWordlist(context.target.base.hostname),
    ];
    return crackHmacSecret(tester, words, { signal: context.signal, minSample: 20_000 });
  });
}

const HASHES: Readonly<Record<string, string>> = {
  HS256: "sha256",
  HS384: "sha384",
  HS512: "sha512",
};

/**
 * Signs a header and payload with a known HMAC secret (the algorithm from the header).
 *
 * @example
 * ```ts
 * signHmac({ alg: "HS256", typ: "JWT" }, { sub: "1" }, "secret"); // "eyJ...."
 * ```
 */
export function signHmac(header: JsonObject, payload: JsonObject, secret: string): string {
  const hash = HASHES[String(header.alg)];
  if (!hash) throw new TypeError(`signHmac: ${String(header.alg)} is not an HMAC algorithm`);
  const input = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
  return `${input}.${createHmac(hash, secret).update(input).digest("base64url")}`;
}
