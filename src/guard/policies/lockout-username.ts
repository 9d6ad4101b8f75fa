import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { valueAt } from "../../openapi/pointer.js";

/**
 * Reading the username of a login attempt (AUTH-03) the way the upstream will read it, and
 * turning it and the client address into counter keys that carry neither in clear.
 */

/** What the body says about the username: a value, none, or an ambiguity to refuse. */
export type UsernameRead =
  | { readonly kind: "found"; readonly hash: string }
  | { readonly kind: "absent" }
  | { readonly kind: "ambiguous"; readonly reason: string };

const ABSENT: UsernameRead = Object.freeze({ kind: "absent" });

/**
 * Reads the username at a JSON pointer (RFC 6901) of a JSON body. A body with a duplicate
 * member name anywhere is ambiguous: RFC 8259 4 leaves the choice to each parser, so the guard
 * could count one name while the upstream checks the other.
 *
 * @example
 * ```ts
 * usernameFromJson(Buffer.from('{"user":{"name":"Alice "}}'), ["user", "name"]); // { kind: "found", hash: "..." }
 * ```
 */
export function usernameFromJson(body: Buffer, segments: readonly string[]): UsernameRead {
  const text = body.toString("utf8");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return ABSENT;
  }
  if (hasDuplicateKey(text)) return ambiguous("the JSON body has a duplicate member name");
  return fromValue(valueAt(document, segments));
}

/**
 * Reads the username field of an `application/x-www-form-urlencoded` body (percent-decoded,
 * `+` as space, as the WHATWG URL standard parses it). A repeated field is ambiguous: some
 * frameworks read the first, others the last or an array.
 *
 * @example
 * ```ts
 * usernameFromForm(Buffer.from("username=%41lice&password=x"), "username"); // same hash as "alice"
 * ```
 */
export function usernameFromForm(body: Buffer, field: string): UsernameRead {
  const values = new URLSearchParams(body.toString("utf8")).getAll(field);
  if (values.length > 1) return ambiguous(`the form field "${field}" is repeated`);
  return values.length === 0 ? ABSENT : fromValue(values[0]);
}

/**
 * The key of a username: NFKC (full-width and compatibility forms fold to one), trimmed and
 * lower-cased, then hashed so that no username reaches the store or the logs.
 *
 * @example
 * ```ts
 * usernameKey(" ALICE") === usernameKey("alice"); // true
 * ```
 */
export function usernameKey(username: string): string | undefined {
  const normalized = username.normalize("NFKC").trim().toLowerCase();
  if (normalized === "") return undefined;
  return createHash("sha256").update(normalized).digest("base64url").slice(0, 22);
}

/**
 * The counter key of a client address. An IPv6 client usually holds a whole /64 (RFC 6177
 * recommends at least that much per site), so IPv6 addresses count per /64; an IPv4-mapped
 * address counts as its IPv4 address.
 *
 * @example
 * ```ts
 * addressKey("2001:db8::1") === addressKey("2001:db8::2"); // true
 * ```
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  const [head = "", tail = ""] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::")
    ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

function ambiguous(reason: string): UsernameRead {
  return { kind: "ambiguous", reason };
}

function fromValue(value: unknown): UsernameRead {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === "number") value = String(value);
  if (typeof value !== "string") return ambiguous("the username is not a string");
  const hash = usernameKey(value);
  return hash === undefined ? ABSENT : { kind: "found", hash };
}

/**
 * Whether an object of a valid JSON text repeats a member name (compared after unescaping, so
 * `"user"` and `"\u0075ser"` are the same name). Scans without building values.
 */
function hasDuplicateKey(text: string): boolean {
  const stack: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const keys = stack[stack.length - 1];
      if (keys && expectKey) {
        const name = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(name)) return true;
        keys.add(name);
        expectKey = false;
      }
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(undefined);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) expectKey = stack[stack.length - 1] !== undefined;
  }
  return false;
}
