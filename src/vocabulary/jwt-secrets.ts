import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { JWT_SECRET_WORDS } from "./jwt-secret-words.js";

/**
 * The public part of the list, written beside this module by the build (scripts/jwt-secrets.mjs):
 * leaked passwords, then English words and names, by frequency, one a line, gzip.
 */
const PUBLIC_LIST = new URL("./jwt-secrets.txt.gz", import.meta.url);

// Years of the last decade: secrets get "rotated" by bumping the year.
const YEARS = Array.from({ length: 10 }, (_, i) => String(2017 + i));
const SUFFIXES = ["1", "12", "123", "1234", "!", "01", ...YEARS];
const JOINED_SUFFIXES = YEARS.slice(-4).flatMap((y) => [`_${y}`, `-${y}`]);
const LEET: Readonly<Record<string, string>> = { a: "4", e: "3", i: "1", o: "0", s: "5", t: "7" };
const LEET_SYMBOLS: Readonly<Record<string, string>> = { a: "@", e: "3", i: "!", o: "0", s: "$" };
const HOST_SUFFIXES = [
  "",
  "secret",
  "_secret",
  "-secret",
  "jwt",
  "_jwt",
  "-jwt",
  "_jwt_secret",
  "-jwt-secret",
  "jwtsecret",
  "key",
  "_key",
  "-key",
  "_secret_key",
  "-secret-key",
  "123",
  "!",
  "_api",
  "-api",
  "api",
];

/**
 * The candidate secrets of the weak-secret search, most likely first and each once: the
 * bundled words as written, variants of the target's host name (`shop.example.com` gives
 * `example`, `example-jwt-secret`, ...), case, digit, year and leetspeak variants of every
 * word (about 30,000 candidates), then the public lists the build packed in (about 160,000
 * common passwords, English words and names, most frequent first). About 190,000 candidates
 * in all: under a second at the rate measured in bench/scan/jwt-secret.mjs.
 *
 * @example
 * ```ts
 * const words = buildSecretWordlist("api.example.com");
 * words.includes("example_secret"); // true: a host variant
 * words.includes("jennifer"); // true: a common password of the public lists
 * ```
 */
export function buildSecretWordlist(host?: string): string[] {
  const hand = handWritten(host);
  const out = [...hand];
  // The public lists hold each word once already (the build saw to it): only overlaps with the
  // hand-written part need skipping, a lookup in a set of 30,000 rather than growing one of
  // 190,000.
  for (const word of publicWords()) if (!hand.has(word)) out.push(word);
  return out;
}

/**
 * Whether a secret is one of the search's candidates without a host name (the hand-written
 * words, their variants and the public lists): the guard's refusal of weak HMAC secrets. The
 * lists are loaded on the first call and kept (about 1.3 MB of text and a set of 30,000 words).
 *
 * @example
 * ```ts
 * isWeakSecret("your-256-bit-secret"); // true
 * isWeakSecret(randomBytes(32).toString("base64url")); // false
 * ```
 */
export function isWeakSecret(secret: string): boolean {
  weakHandWords ??= handWritten();
  if (weakHandWords.has(secret)) return true;
  // A line of the public text is one candidate: a secret spanning lines is none of them.
  return secret !== "" && !/[\r\n]/.test(secret) && publicText().includes(`\n${secret}\n`);
}

let weakHandWords: ReadonlySet<string> | undefined;
let loaded: string | undefined;

/** The public lists as one string, framed by newlines so that `\nword\n` finds a whole line. */
function publicText(): string {
  if (loaded !== undefined) return loaded;
  let packed: Buffer;
  try {
    packed = readFileSync(PUBLIC_LIST);
  } catch (error) {
    throw new Error(
      `the weak-secret list ${fileURLToPath(PUBLIC_LIST)} is missing: \`npm run build\` writes it`,
      { cause: error },
    );
  }
  loaded = `\n${gunzipSync(packed).toString("utf8")}\n`;
  return loaded;
}

function publicWords(): string[] {
  // The frame's newlines give an empty first and last entry.
  return publicText().slice(1, -1).split("\n");
}

/**
 * Placeholder secrets are composed from a few words (`dummy-secret`, `SuperSecret`,
 * `my_jwt_key`, `DEV_SECRET_KEY`): every qualifier before every noun, in each spelling that
 * sample configs use.
 */
const QUALIFIERS = [
  "",
  "my",
  "super",
  "your",
  "dummy",
  "test",
  "dev",
  "default",
  "sample",
  "example",
  "local",
  "app",
  "api",
  "very",
  "top",
];
const NOUNS = [
  "secret",
  "key",
  "secret key",
  "jwt secret",
  "jwt key",
  "jwt secret key",
  "token secret",
  "signing key",
  "private key",
  "access secret",
  "auth secret",
];

/** `dummy secret` as `dummy-secret`, `dummy_secret`, `dummysecret`, `DummySecret`, `dummySecret`, `DUMMY_SECRET`. */
function spellings(words: readonly string[]): string[] {
  const pascal = words.map(capitalise).join("");
  return [
    words.join("-"),
    words.join("_"),
    words.join(""),
    pascal,
    pascal.charAt(0).toLowerCase() + pascal.slice(1),
    words.join("_").toUpperCase(),
  ];
}

function composed(): string[] {
  const out: string[] = [];
  for (const qualifier of QUALIFIERS)
    for (const noun of NOUNS) {
      const words = [...(qualifier ? [qualifier] : []), ...noun.split(" ")];
      out.push(...spellings(words));
    }
  return out;
}

/** Rampart's own words, composed placeholders, the host's variants, then the words' variants. */
function handWritten(host?: string): Set<string> {
  const out = new Set<string>(JWT_SECRET_WORDS);
  for (const word of composed()) out.add(word);
  for (const name of hostNames(host)) {
    for (const suffix of HOST_SUFFIXES) {
      out.add(`${name}${suffix}`);
      out.add(`${capitalise(name)}${suffix}`);
    }
  }
  for (const word of JWT_SECRET_WORDS) {
    const lower = word.toLowerCase();
    const forms = new Set([word, lower, word.toUpperCase(), capitalise(lower)]);
    for (const form of forms) {
      out.add(form);
      for (const suffix of SUFFIXES) out.add(`${form}${suffix}`);
      if (form === lower && /^[a-z]/.test(form))
        for (const suffix of JOINED_SUFFIXES) out.add(`${form}${suffix}`);
    }
    out.add(substitute(lower, LEET));
    out.add(substitute(lower, LEET_SYMBOLS));
    out.add(`${substitute(lower, LEET)}123`);
  }
  return out;
}

/** The labels of a host name worth guessing: the registrable-looking name and its parts. */
function hostNames(host?: string): string[] {
  if (!host) return [];
  const clean = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (/^[\d.]+$/.test(clean) || clean.includes(":")) return [clean];
  const labels = clean.split(".").filter((l) => l !== "" && l !== "www");
  const names = new Set<string>([clean, labels.join(".")]);
  // The label before the public suffix ("example" of api.example.co.uk) is the usual brand.
  const meaningful = labels.filter((l) => l.length > 2 || labels.length === 1);
  for (const label of meaningful) names.add(label);
  if (labels.length >= 2) names.add(labels.slice(-2).join("."));
  return [...names].filter((n) => n.length > 0);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function substitute(word: string, table: Readonly<Record<string, string>>): string {
  let out = "";
  for (const ch of word) out += table[ch] ?? ch;
  return out;
}
