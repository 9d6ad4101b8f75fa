/**
 * Secret redaction for everything Rampart writes: reports, evidence, logs. Redaction is
 * deliberately eager: a false positive costs a little readability, a false negative leaks a
 * credential into a CI log.
 */

/** Names of fields, parameters and headers whose values are secrets. */
export const SENSITIVE_NAME =
  /^(?:x-)?(?:pass(?:word|wd|phrase)?|pwd|password[-_]?hash|hashed[-_]?password|pass[-_]?hash|secret|(?:client|api|app|jwt|signing|encryption|shared)[-_]?secret|secret[-_]?(?:key|access[-_]?key)|(?:aws[-_]?)?secret[-_]?access[-_]?key|(?:access|refresh|id|auth|bearer|session|csrf|xsrf|api)[-_]?token|token|api[-_]?key|apikey|x-api-key|key|(?:private|signing|encryption|access|auth)[-_]?key|authkey|auth(?:orization)?|credentials?|session(?:[-_]?id)?|sid|cookie|set-cookie|pin|cvv|cvc|card[-_]?number|ssn|otp|signature|sig)$/i;

export const REDACTED = "[REDACTED]";

const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const PEM_PRIVATE_KEY =
  /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)/g;
const PASSWORD_HASH =
  /\$(?:2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|argon2(?:id|i|d)\$[^\s"']+|scrypt\$[^\s"']+|pbkdf2[-_a-z0-9]*\$[^\s"']+|[156]\$[^\s"'$]{1,32}\$[./A-Za-z0-9]{20,})/g;
const AWS_ACCESS_KEY = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
// Django's PBKDF2 format carries no leading "$"; provider tokens by their documented prefixes.
const DJANGO_HASH = /\b(?:pbkdf2_sha\d+|argon2|bcrypt_sha256|scrypt)\$[^\s"']{10,}/g;
const PROVIDER_TOKEN =
  /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|AIza[0-9A-Za-z_-]{35}|[rs]k_live_[0-9a-zA-Z]{20,}|xox[abposr]-[A-Za-z0-9-]{10,})\b/g;
// The password of a connection string or URL with userinfo (RFC 3986 3.2.1): `scheme://user:pass@host`.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)([^\s@/"']+)(@)/gi;
// SQL grants and user definitions that carry a password.
const SQL_PASSWORD = /\b(IDENTIFIED\s+BY\s+(?:PASSWORD\s+)?|PASSWORD\s*=?\s*)'[^']*'/gi;
// Credentials after a scheme are a token68 (RFC 9110 11.2). Not credentials, and kept readable:
// the auth-params of a challenge (`Basic realm="api"`, `Bearer error="invalid_token"`) and prose
// ("Basic authentication is offered"). "Token" and "ApiKey" are also ordinary words, so after
// them only a value with a digit or a token68 symbol counts ("the token takes..." stays).
const AUTH_PARAM_OR_PROSE =
  "(?!(?:realm|error|error_description|error_uri|scope|charset|nonce|opaque|algorithm|qop|domain|stale|userhash)\\s*=)" +
  "(?!(?:auth|authentication|authorization|credentials?|tokens?|schemes?|challenges?|headers?|access|login|is|are|was|were|and|or|the|with|over|only|not|offered|accepted|required|requests?)\\b)";
const AUTH_SCHEME = new RegExp(
  `\\b(Bearer|Basic|Digest|Negotiate)\\s+${AUTH_PARAM_OR_PROSE}[A-Za-z0-9._~+/=-]{4,}` +
    `|\\b(Token|ApiKey)\\s+${AUTH_PARAM_OR_PROSE}(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{4,}`,
  "gi",
);
const NAMED_VALUE_JSON = /("([A-Za-z0-9_-]+)"\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
const NAMED_VALUE_QUERY = /([?&;\s,]|^)([A-Za-z0-9_.-]+)=([^&#\s"',;]*)/g;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

/**
 * Removes secrets from free text: JWTs, credentials after an auth scheme, private keys, password
 * hashes, cloud keys, card numbers (Luhn-checked), and the values of sensitively named JSON
 * fields and query parameters.
 *
 * @example
 * ```ts
 * redact('{"user":"ana","password":"hunter2"}'); // '{"user":"ana","password":"[REDACTED]"}'
 * ```
 */
export function redact(text: string): string {
  if (typeof text !== "string") throw new TypeError("redact() takes a string");
  return text
    .replace(PEM_PRIVATE_KEY, "[REDACTED:private-key]")
    .replace(JWT, "[REDACTED:jwt]")
    .replace(
      AUTH_SCHEME,
      (_m, scheme?: string, wordScheme?: string) => `${scheme ?? wordScheme} ${REDACTED}`,
    )
    .replace(PASSWORD_HASH, "[REDACTED:password-hash]")
    .replace(AWS_ACCESS_KEY, "[REDACTED:cloud-key]")
    .replace(DJANGO_HASH, "[REDACTED:password-hash]")
    .replace(PROVIDER_TOKEN, "[REDACTED:provider-key]")
    .replace(URL_PASSWORD, `$1${REDACTED}$3`)
    .replace(SQL_PASSWORD, `$1'${REDACTED}'`)
    .replace(NAMED_VALUE_JSON, (whole, prefix: string, name: string) =>
      SENSITIVE_NAME.test(name) ? `${prefix}"${REDACTED}"` : whole,
    )
    .replace(NAMED_VALUE_QUERY, (whole, sep: string, name: string, value: string) =>
      value !== "" && SENSITIVE_NAME.test(safeDecode(name)) ? `${sep}${name}=${REDACTED}` : whole,
    )
    .replace(CARD_CANDIDATE, (digits) =>
      luhnValid(digits.replace(/[ -]/g, "")) ? "[REDACTED:card]" : digits,
    );
}

/**
 * Redacts a URL: sensitive query parameter values and any userinfo (`user:pass@`).
 *
 * @example
 * ```ts
 * redactUrl("https://api.test/x?api_key=abc&page=2"); // "https://api.test/x?api_key=[REDACTED]&page=2"
 * ```
 */
export function redactUrl(url: string): string {
  const withoutUserinfo = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, `$1${REDACTED}@`);
  return redact(withoutUserinfo);
}

/**
 * Redacts header values: credentials and cookies entirely (cookie names stay), everything else
 * through {@link redact}.
 */
export function redactHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(headers)) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    const value = Array.isArray(rawValue) ? rawValue.join(", ") : String(rawValue);
    if (name === "authorization" || name === "proxy-authorization") {
      const scheme = /^\s*([A-Za-z][A-Za-z0-9-]*)\s+\S/.exec(value)?.[1];
      out[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
    } else if (name === "cookie") {
      out[name] = value.replace(/([^=;\s]+)=[^;]*/g, `$1=${REDACTED}`);
    } else if (name === "set-cookie") {
      out[name] = value.replace(/(^|,\s*)([^=;,\s]+)=[^;,]*/g, `$1$2=${REDACTED}`);
    } else if (SENSITIVE_NAME.test(name)) {
      out[name] = REDACTED;
    } else {
      out[name] = redact(value);
    }
  }
  return out;
}

/**
 * Shows that a secret was found without revealing it: its first and last character and its
 * length, and nothing at all for secrets shorter than 8 characters.
 *
 * @example
 * ```ts
 * maskSecret("supersecret"); // "s*********t (11 chars)"
 * ```
 */
export function maskSecret(secret: string): string {
  if (secret.length < 8) return `${"*".repeat(secret.length)} (${secret.length} chars)`;
  return `${secret[0]}${"*".repeat(secret.length - 2)}${secret.at(-1)} (${secret.length} chars)`;
}

/** The Luhn checksum used by payment card numbers. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
