import { isObject, parseJson } from "../../discovery.js";
import { excerpt } from "../../evidence.js";
import { formFields } from "../../html.js";
import type { Exchange, PassiveProblem, ScanCheck } from "../../types.js";
import { passiveCheck } from "../passive-check.js";

/** Password hash formats that only ever hold a password: bcrypt, argon2, scrypt, PBKDF2, phpass, crypt(3). */
const PASSWORD_HASH =
  /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$v=\d+\$[^"\s]{20,}|\$scrypt\$[^"\s]{20,}|pbkdf2_sha\d+\$\d+\$[^"\s$]+\$[^"\s]{10,}|\$P\$[./A-Za-z0-9]{31}|\$[156]\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,}/;

/** A bare hex digest (MD5, SHA-1, SHA-256, SHA-512): a password hash only beside a password key. */
const HEX_DIGEST = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/i;

const PRIVATE_KEY =
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----/;

/** Credentials of well-known providers, by their documented prefixes. */
const PROVIDER_KEYS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "Stripe secret key", pattern: /\b[rs]k_live_[0-9a-zA-Z]{20,}\b/ },
  { name: "GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: "Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { name: "Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
];

/** Keys that name a password. */
const PASSWORD_KEY =
  /^(?:pass(?:word)?|passwd|pwd|user_?pass(?:word)?|password_?hash|hashed_?password|pass_?hash)$/i;
/** Keys that name a server-side secret a client never needs back. */
const SECRET_KEY =
  /^(?:client_?secret|secret(?:_?key)?|api_?secret|private_?key|secret_?access_?key|aws_?secret_?access_?key|signing_?key|encryption_?key|auth_?key|api_?key|apikey|access_?key)$/i;
/** Keys that name a bearer credential. */
const TOKEN_KEY =
  /^(?:token|access_?token|refresh_?token|auth_?token|session_?(?:id|token)?|jwt|api_?token)$/i;

/** Values that are masked, not secrets: `***`, `[REDACTED]`, `<hidden>`. */
const MASKED = /^(?:[*•x.]+|\[?(?:redacted|hidden|filtered|removed|masked)\]?|<[^>]*>)$/i;

interface Leaf {
  readonly path: string;
  readonly key: string;
  readonly value: string;
  /** Inside an array: one of several records. */
  readonly inArray: boolean;
}

function leaves(value: unknown, path = "", key = "", inArray = false, depth = 0): Leaf[] {
  if (depth > 8) return [];
  if (typeof value === "string") return [{ path, key, value, inArray }];
  if (Array.isArray(value))
    return value.slice(0, 100).flatMap((v, i) => leaves(v, `${path}/${i}`, key, true, depth + 1));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) =>
      leaves(v, `${path}/${k}`, k, inArray, depth + 1),
    );
  return [];
}

/**
 * The pre-filled fields of a page's forms, as leaves: a password or a client secret in a form's
 * `value` attribute is sent to every browser that loads the page (hidden fields included).
 */
function formValues(html: string): Leaf[] {
  // API keys in pages are often publishable by design (a payment widget's key): only
  // passwords and secrets proper count.
  return formFields(html).flatMap(({ tag, name, value }) =>
    tag === "input" && value && (PASSWORD_KEY.test(name) || /secret|private/i.test(name))
      ? [{ path: `form field ${name}`, key: name, value, inArray: false }]
      : [],
  );
}

/** The identity claims of a JWT (everything but timing and ids of the token itself). */
function identityOf(token: string): string | undefined {
  const parts = token.replace(/^Bearer\s+/i, "").split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    const { iat: _iat, exp: _exp, nbf: _nbf, jti: _jti, ...rest } = claims;
    return JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
  } catch {
    return undefined;
  }
}

/** The credential the request carried: the bearer token and the cookie values. */
function ownCredentials(exchange: Exchange): string[] {
  const own: string[] = [];
  const auth = exchange.requestHeaders.authorization;
  if (auth) own.push(auth.replace(/^\w+\s+/, ""));
  for (const part of (exchange.requestHeaders.cookie ?? "").split(";")) {
    const value = part.split("=").slice(1).join("=").trim();
    if (value) own.push(value);
  }
  return own;
}

/**
 * An API description (OpenAPI or Swagger, JSON or YAML): its examples hold made-up passwords,
 * hashes and tokens, not anybody's credentials.
 */
function isApiDescription(body: string, json: unknown): boolean {
  if (json !== undefined)
    return isObject(json) && (typeof json.openapi === "string" || typeof json.swagger === "string");
  return /^\s*["']?(openapi|swagger)["']?\s*:\s*["']?[23]\./m.test(body.slice(0, 2000));
}

/** What a secret is replaced with in evidence: its kind, never its value. */
function marker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

/**
 * The body with every secret the checks can name replaced by a marker of its kind: private
 * keys, password hashes, provider keys, and the values of password, secret and token keys. The
 * shared redactor knows only some of these forms (not Django's `pbkdf2_sha256$...`, a GitHub
 * token, a `secret_key` field), and an excerpt cut through a value defeats its key patterns.
 */
function masked(body: string, keyed: readonly (readonly [Leaf, string])[]): string {
  let text = body
    .replace(
      new RegExp(
        `${PRIVATE_KEY.source}[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)`,
        "g",
      ),
      marker("private-key"),
    )
    .replace(new RegExp(PASSWORD_HASH.source, "g"), marker("password-hash"));
  for (const { name, pattern } of PROVIDER_KEYS)
    text = text.replace(new RegExp(pattern.source, "g"), marker(name));
  for (const [leaf, kind] of keyed) {
    const quoted = JSON.stringify(leaf.value);
    // Some encoders escape "/" (PHP's json_encode).
    for (const form of new Set([quoted, quoted.replaceAll("/", "\\/")]))
      text = text.replaceAll(form, `"${marker(kind)}"`);
    // A page's attribute may quote it otherwise.
    if (leaf.path.startsWith("form field ") && leaf.value.length >= 4)
      text = text.replaceAll(leaf.value, marker(kind));
  }
  return text;
}

/** An answer that hands out credentials by design: logins, token and key creation. */
function issuesCredentials(exchange: Exchange): boolean {
  if (exchange.method !== "GET") return true;
  return /login|signin|sign-in|token|oauth|auth|register|signup|session/i.test(
    new URL(exchange.url).pathname,
  );
}

/**
 * What one answer gives away: password hashes anywhere, passwords and server secrets by their
 * keys, private keys, provider keys, and bearer tokens that belong to somebody else (a token in
 * a list of records, or a JWT whose identity claims are not the caller's). An API description
 * is read for private and provider keys only: its examples are made up. Evidence is an excerpt
 * around the secret with every secret replaced by its kind (`[REDACTED:password-hash]`).
 */
export function secretsIn(exchange: Exchange): PassiveProblem[] {
  const body = exchange.body;
  const parsed = parseJson(body);
  const description = isApiDescription(body, parsed);
  const json = description ? undefined : parsed;
  const html = json === undefined && !description && /^\s*</.test(body);
  const values = (json !== undefined ? leaves(json) : html ? formValues(body) : []).filter(
    (l) => l.value !== "" && !MASKED.test(l.value),
  );
  const keyed = values.flatMap((l): [Leaf, string][] => {
    if (PASSWORD_KEY.test(l.key)) return [[l, "password"]];
    if (SECRET_KEY.test(l.key)) return [[l, "secret"]];
    if (TOKEN_KEY.test(l.key)) return [[l, "token"]];
    return [];
  });
  const shown = masked(body, keyed);
  const problems: PassiveProblem[] = [];
  const add = (subject: string, title: string, what: string, kind: string) => {
    const at = shown.indexOf(marker(kind));
    problems.push({
      subject,
      finding: {
        title,
        detail: `${exchange.method} ${new URL(exchange.url).pathname} answered ${exchange.status} with ${what}: a response must never carry credentials a client does not need.`,
        evidence: { body: excerpt(shown, at < 0 ? Math.max(0, shown.indexOf("[REDACTED:")) : at) },
      },
    });
  };
  const hash = description ? null : PASSWORD_HASH.exec(body);
  if (hash) add("password-hash", "Password hash in a response", "a password hash", "password-hash");
  if (PRIVATE_KEY.test(body))
    add("private-key", "Private key in a response", "a private key", "private-key");
  for (const { name, pattern } of PROVIDER_KEYS)
    if (pattern.test(body)) add(`provider-${name}`, `${name} in a response`, `a ${name}`, name);
  if (json === undefined && !html) return problems;
  const password = values.find((l) => PASSWORD_KEY.test(l.key));
  if (password && !hash) {
    const kind = HEX_DIGEST.test(password.value) ? "an unsalted password digest" : "a password";
    add(
      "password",
      `Password returned (${password.key})`,
      `${kind} in "${password.path}"`,
      "password",
    );
  }
  if (exchange.method === "GET") {
    const secret = values.find((l) => SECRET_KEY.test(l.key) && l.value.length >= 8);
    if (secret)
      add(
        `secret-${secret.key}`,
        `Secret returned (${secret.key})`,
        `a secret in "${secret.path}"`,
        "secret",
      );
  }
  const own = ownCredentials(exchange);
  const ownIdentities = new Set(own.map(identityOf).filter((i) => i !== undefined));
  const tokens = values.filter((l) => TOKEN_KEY.test(l.key) && l.value.length >= 16);
  const foreign = tokens.filter((t) => {
    if (own.includes(t.value)) return false;
    const identity = identityOf(t.value);
    if (identity !== undefined)
      return !ownIdentities.has(identity) && (t.inArray || !issuesCredentials(exchange));
    return t.inArray;
  });
  const distinct = new Set(foreign.map((t) => t.value));
  if (distinct.size > 0 && (distinct.size > 1 || !issuesCredentials(exchange))) {
    const first = foreign[0] as Leaf;
    add(
      "tokens",
      "Other users' tokens in a response",
      `${distinct.size} token(s) that are not the caller's, first at "${first.path}"`,
      "token",
    );
  }
  return problems;
}

/**
 * OUT-06: no response of the scan carries credentials: password hashes or passwords, private
 * keys, provider API keys, server secrets read back, or other users' tokens. Every successful
 * answer is read, whichever check asked for it (a served API description for keys only); one
 * finding per operation and kind, its evidence masked by kind.
 */
export const secretsCheck: ScanCheck = passiveCheck({
  id: "out-06-secrets",
  items: ["OUT-06"],
  proves: ["OUT-06"],
  severity: "high",
  title: "No credentials or secrets in responses",
  examines: (e) => e.status >= 200 && e.status < 300 && e.body !== "",
  surface: (op) => op.method === "GET",
  inspect: secretsIn,
});
