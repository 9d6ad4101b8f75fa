/** A JSON object decoded from a JWT part. */
export type JsonObject = Record<string, unknown>;

/** A compact JWS (RFC 7515 7.1) split into its parts, header and payload decoded. */
export interface DecodedJwt {
  readonly header: JsonObject;
  readonly payload: JsonObject;
  readonly rawHeader: string;
  readonly rawPayload: string;
  readonly rawSignature: string;
  /** `rawHeader.rawPayload`, the bytes the signature covers. */
  readonly signingInput: string;
  /** The token's length in bytes (what a header carries). */
  readonly size: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes base64url (RFC 4648 5) strictly: only the URL-safe alphabet, no padding, and no
 * length that no encoder produces (4n+1). Returns undefined for anything else.
 *
 * @example
 * ```ts
 * base64UrlDecode("eyJhIjoxfQ")?.toString(); // '{"a":1}'
 * base64UrlDecode("a+b/"); // undefined
 * ```
 */
export function base64UrlDecode(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, "base64url");
}

/**
 * Encodes bytes or UTF-8 text as unpadded base64url.
 *
 * @example
 * ```ts
 * base64UrlEncode('{"alg":"none"}'); // "eyJhbGciOiJub25lIn0"
 * ```
 */
export function base64UrlEncode(data: string | Uint8Array): string {
  return Buffer.from(data).toString("base64url");
}

/**
 * Decodes a compact JWT without verifying it; undefined when it is not one (three base64url
 * parts, header and payload JSON objects). A JWE (five parts) is not decoded.
 *
 * @example
 * ```ts
 * decodeJwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig")?.header.alg; // "HS256"
 * ```
 */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [rawHeader = "", rawPayload = "", rawSignature = ""] = parts;
  if (!BASE64URL.test(rawSignature)) return undefined;
  const header = decodeObject(rawHeader);
  const payload = decodeObject(rawPayload);
  if (!header || !payload) return undefined;
  return {
    header,
    payload,
    rawHeader,
    rawPayload,
    rawSignature,
    signingInput: `${rawHeader}.${rawPayload}`,
    size: Buffer.byteLength(token),
  };
}

/**
 * True when the text is a decodable compact JWT.
 *
 * @example
 * ```ts
 * isJwt("eyJhbGciOiJub25lIn0.e30."); // true
 * isJwt("3f9a0c"); // false
 * ```
 */
export function isJwt(token: string): boolean {
  return decodeJwt(token) !== undefined;
}

function decodeObject(part: string): JsonObject | undefined {
  const bytes = base64UrlDecode(part);
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}
