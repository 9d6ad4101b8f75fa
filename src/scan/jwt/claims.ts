import { luhnValid } from "../../core/redact.js";
import type { Severity } from "../../core/severity.js";
import type { JsonObject } from "./token.js";

/** What a sensitive claim holds. */
export type SensitiveKind =
  | "password"
  | "password-hash"
  | "card-number"
  | "national-id"
  | "secret"
  | "email";

/** One claim that should not travel in a token anyone can decode (RFC 7519 12: JWS is not encrypted). */
export interface SensitiveClaim {
  /** The claim's path in the payload, e.g. `user.passwordHash`. Never its value. */
  readonly path: string;
  readonly kind: SensitiveKind;
  readonly severity: Severity;
}

const PASSWORD_NAME = /^(?:password|passwd|pwd|pass_?phrase|user_?password|plain_?password)$/i;
const HASH_NAME =
  /(?:pass(?:word)?|pwd)_?hash|hash(?:ed)?_?pass(?:word)?|password_?digest|^pw_?hash$/i;
const SECRET_NAME =
  /^(?:secret|client_?secret|api_?key|apikey|api_?secret|private_?key|secret_?key|access_?key_?secret|aws_?secret_?access_?key|signing_?key|otp_?secret|totp_?secret|mfa_?secret)$/i;
const CARD_NAME = /^(?:card|card_?number|cc|cc_?number|credit_?card|pan|card_?no)$/i;
const NATIONAL_NAME =
  /^(?:ssn|social_?security(?:_?number)?|national_?id|nin|tax_?id|sin|passport(?:_?number)?)$/i;
// OpenID Connect's at_hash, c_hash and s_hash are half-hashes of other tokens, not passwords.
const OIDC_HASHES = new Set(["at_hash", "c_hash", "s_hash"]);

const PASSWORD_HASH_VALUE =
  /^(?:\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$\S+|\$scrypt\$\S+|\$pbkdf2[-\w]*\$\S+|\$[156]\$[^$\s]{1,32}\$[./A-Za-z0-9]{20,}|pbkdf2_sha256\$\d+\$\S+)$/;
// US SSN (area 001-899 except 666, group 01-99, serial 0001-9999), formatted.
const SSN_VALUE = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const EMAIL_VALUE = /^[^\s@]{1,64}@[^\s@]+\.[A-Za-z]{2,}$/;
const AWS_KEY_VALUE = /^(?:AKIA|ASIA)[A-Z0-9]{16}$/;
const PRIVATE_KEY_VALUE = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
const SEVERITY: Readonly<Record<SensitiveKind, Severity>> = {
  password: "high",
  "password-hash": "high",
  "card-number": "high",
  "national-id": "high",
  secret: "high",
  email: "low",
};

/**
 * Finds claims that carry secrets or personal data, by name and by value: passwords and
 * password hashes (bcrypt, argon2, scrypt, pbkdf2, crypt), card numbers that pass Luhn, US
 * social security numbers, API keys and private keys; e-mail addresses at low severity. Walks
 * nested objects and arrays; reports paths, never values.
 *
 * @example
 * ```ts
 * sensitiveClaims({ sub: "u1", passwordHash: "$2b$10$..." }); // [{ path: "passwordHash", kind: "password-hash", severity: "high" }]
 * ```
 */
export function sensitiveClaims(payload: JsonObject): SensitiveClaim[] {
  const found: SensitiveClaim[] = [];
  walk(payload, "", 0, found);
  return found;
}

function walk(value: unknown, path: string, depth: number, found: SensitiveClaim[]): void {
  if (depth > 8 || value === null || typeof value !== "object") return;
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value as JsonObject);
  for (const [name, child] of entries) {
    const childPath = path === "" ? name : `${path}.${name}`;
    const kind = classify(name, child);
    if (kind) found.push({ path: childPath, kind, severity: SEVERITY[kind] });
    else walk(child, childPath, depth + 1, found);
  }
}

/**
 * The kind of one claim, or undefined when it looks harmless.
 *
 * @example
 * ```ts
 * classifyClaim("card", "4111 1111 1111 1111"); // "card-number"
 * ```
 */
export function classifyClaim(name: string, value: unknown): SensitiveKind | undefined {
  return classify(name, value);
}

function classify(name: string, value: unknown): SensitiveKind | undefined {
  if (OIDC_HASHES.has(name)) return undefined;
  const text =
    typeof value === "string"
      ? value.trim()
      : typeof value === "number"
        ? String(value)
        : undefined;
  if (text === undefined || text === "") return undefined;
  if (PASSWORD_HASH_VALUE.test(text)) return "password-hash";
  if (HASH_NAME.test(name)) return "password-hash";
  if (PASSWORD_NAME.test(name)) return "password";
  if (PRIVATE_KEY_VALUE.test(text) || AWS_KEY_VALUE.test(text)) return "secret";
  if (SECRET_NAME.test(name) && text.length >= 8) return "secret";
  const digits = text.replace(/[ -]/g, "");
  if (/^\d{12,19}$/.test(digits) && /^[\d -]+$/.test(text) && luhnValid(digits)) {
    // A long number that happens to pass Luhn (1 in 10 do) is a card only when named like one
    // or formatted like one; ids and timestamps are not.
    const formatted = /^\d{4}[ -]\d{4,6}[ -]\d{4,5}(?:[ -]\d{1,4})?$/.test(text);
    const branded = typeof value === "string" && /^[3456]\d{14,15}$/.test(text);
    if (CARD_NAME.test(name) || formatted || branded) return "card-number";
  }
  if (SSN_VALUE.test(text) || (NATIONAL_NAME.test(name) && /\d{4,}/.test(text)))
    return "national-id";
  if (EMAIL_VALUE.test(text)) return "email";
  return undefined;
}
