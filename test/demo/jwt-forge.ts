import { createHmac, createSign, type KeyObject } from "node:crypto";

/** Hand-made JWTs for the demo's JWT tests: no library in the way of a forgery. */

export function b64url(value: string | Buffer | object): string {
  const bytes = typeof value === "string" || Buffer.isBuffer(value) ? value : JSON.stringify(value);
  return Buffer.from(bytes).toString("base64url");
}

/** `header.payload.signature`, the signature made by `sign` over `header.payload` ("" if absent). */
export function forge(
  header: object,
  payload: object,
  sign: (input: string) => Buffer | string = () => "",
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign(input);
  return `${input}.${typeof signature === "string" ? signature : signature.toString("base64url")}`;
}

export function hmac(key: Uint8Array | string, algorithm = "sha256"): (input: string) => Buffer {
  return (input) => createHmac(algorithm, key).update(input).digest();
}

export function rs256(privateKey: KeyObject): (input: string) => Buffer {
  return (input) => createSign("sha256").update(input).sign(privateKey);
}

/** The decoded payload of a JWT (no verification). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary claims.
export function payloadOf(token: string): any {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary header parameters.
export function headerOf(token: string): any {
  return JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
}

/** Valid-looking claims for a user of a demo at `issuer`, times in seconds. */
export function claims(
  issuer: string,
  sub: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: "rampart-demo",
    sub,
    scope: "orders:read orders:write profile",
    iat,
    exp: iat + 600,
    jti: `forged-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}
