import { escapeRegExp } from "../core/regexp.js";

/**
 * Name patterns shared by the rules. Names are normalised first (camelCase, kebab-case and
 * snake_case compare alike), so `apiKey`, `api-key` and `API_KEY` are one name.
 */

/** `passwordHash` -> `password_hash`, `X-API-Key` -> `x_api_key`. */
export function normaliseName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[-.\s]+/g, "_")
    .toLowerCase();
}

/** Passwords, password hashes, secrets and private keys: never returned, never in a URL. */
export const SECRET_NAME =
  /^(?:.*_)?(?:pass(?:word|wd|phrase)?|pwd|secret|client_secret|private_key|secret_key|signing_key|salt|otp|totp_secret|mfa_secret|pin|cvv|cvc)(?:_(?:hash|hashed|digest|salt|encrypted|enc|plain|plaintext|confirmation|confirm))?$|^(?:hashed|encrypted)_pass(?:word)?$/;

/** Bearer credentials: tokens, API keys, session ids. */
export const TOKEN_NAME =
  /^(?:x_)?(?:(?:access|refresh|id|auth|bearer|session|jwt|personal_access|oauth|private)_)?(?:token|jwt|session_id|sessionid|sid)$|^(?:x_)?(?:api_?key|apikey|access_key|auth_key|subscription_key)$|^(?:access|auth|authorization|bearer)$/;

/** Names that look secret but carry no secret (metadata about a credential, pagination...). */
export const NOT_SECRET =
  /(?:_(?:at|on|date|time|type|hint|url|uri|endpoint|count|length|policy|required|set|enabled|expires?|expiry|expiration|expires_in|ttl|id_type|name|names|hint|format|version|strength|rules|reset|changed|updated|created|last_used|prefix|scopes?|method|methods|algorithm|alg)$)|^(?:has|is|can|should|must|require|requires|needs)_|^(?:page|next|prev|previous|continuation|sync|delta|cursor|pagination|next_page|page_token|resume)(?:_|$)/;

/**
 * Credentials an API issues to its caller (a key's secret, a client secret, a signing key), as
 * opposed to the user's own secrets (password, PIN, CVC): returning one from the operation that
 * creates it is by design.
 */
export const ISSUED_SECRET_NAME =
  /(?:^|_)(?:secret|client_secret|secret_key|private_key|signing_key|webhook_secret|api_key|key|token|pem)$/;

/** True when the (normalised) name designates a secret value. */
export function isSecretName(name: string): boolean {
  const n = normaliseName(name);
  return !NOT_SECRET.test(n) && SECRET_NAME.test(n);
}

/** True when the (normalised) name designates a bearer credential (token, API key). */
export function isTokenName(name: string): boolean {
  const n = normaliseName(name);
  return !NOT_SECRET.test(n) && TOKEN_NAME.test(n);
}

/** Query parameters that choose a page size. */
export const PAGE_SIZE_NAME =
  /^(?:limit|per_page|page_size|pagesize|size|count|max_results|max_items|top|first|last|take|rows|max|results_per_page|batch_size)$/;

/** Query parameters of pagination (size or position). */
export const PAGING_NAME =
  /^(?:limit|offset|page|per_page|page_size|size|cursor|after|before|since|until|start|start_index|skip|take|top|first|last|page_token|next_token|continuation_token|marker|max_results|starting_after|ending_before|from|rows|count|next|page_number|range)$/;

/** Identifier names: `id`, `orderId`, `order_id`, `uuid`. */
export function isIdName(name: string): boolean {
  const n = normaliseName(name);
  return n === "id" || n.endsWith("_id") || n === "uuid" || n === "key_id";
}

/**
 * A path that names the caller's own record (`/users/me`, `/api/user`, `/account`): it always
 * needs a caller, whatever a generated document says of the operations around it.
 *
 * @example
 * ```ts
 * OWN_RECORD_PATH.test("/api/users/me"); // true
 * ```
 */
export const OWN_RECORD_PATH = /\/(?:me|self|current|user|profile|account)(?:\/|$)/i;

/**
 * Collections of the API client's own records about people (`/v1/customers/{customer}`): in an
 * API whose callers are businesses (machine credentials, no end-user login), a customer is a row
 * the caller's key already scopes, not another caller.
 *
 * @example
 * ```ts
 * CLIENT_RECORD_SEGMENT.test("customers"); // true
 * ```
 */
export const CLIENT_RECORD_SEGMENT = /^customers?$/i;

/**
 * The last segment of a POST that reads (`/attestations/bulk-list`, `/search`): a query with a
 * body (RFC 9110 9.3.3 lets POST carry one), not a write.
 *
 * @example
 * ```ts
 * QUERY_BY_POST.test("bulk-list"); // true
 * ```
 */
export const QUERY_BY_POST = /^(?:bulk[-_]?)?(?:list|search|query|lookup)$/i;

/**
 * Twilio-style string identifiers (`sid`, `AccountSid`): in a path or with an identifier's shape
 * they name a resource, never a session.
 */
export function isSidName(name: string): boolean {
  const n = normaliseName(name);
  return n === "sid" || n.endsWith("_sid");
}

/**
 * A path parameter that names the item of the collection before it: `/tokens/{token}`,
 * `/shipping_rates/{shipping_rate_token}`, `/Addresses/{Sid}.json`. It is that object's id, not a
 * credential, whatever its name says.
 *
 * @example
 * ```ts
 * isItemOfCollection("/v1/issuing/authorizations/{authorization}", "authorization"); // true
 * isItemOfCollection("/password-resets/verify/{token}", "token"); // false
 * ```
 */
export function isItemOfCollection(path: string, name: string): boolean {
  const segments = path.split("/").filter(Boolean);
  const at = segments.findIndex((s) =>
    new RegExp(`^\\{${escapeRegExp(name)}\\}(?:\\.\\w+)?$`).test(s),
  );
  const collection = at > 0 ? (segments[at - 1] ?? "") : "";
  if (collection === "" || collection.startsWith("{")) return false;
  const n = normaliseName(name);
  if (n === "id" || isSidName(n)) return true;
  const singular = normaliseName(collection)
    .replace(/ies$/, "y")
    .replace(/(?:ses|xes)$/, (m) => m.slice(0, -2))
    .replace(/s$/, "");
  return singular.length > 0 && (n === singular || n.startsWith(`${singular}_`));
}

/** Members that name who owns a record: the author of an article, the owner of a file. */
const OWNER_NAMES = new Set([
  "owner",
  "owner_id",
  "author",
  "author_id",
  "user",
  "user_id",
  "created_by",
  "creator",
  "creator_id",
  "account_id",
]);

/**
 * A member that names the record's owner (`author`, `ownerId`, `created_by`).
 *
 * @example
 * ```ts
 * isOwnerName("authorId"); // true
 * ```
 */
export function isOwnerName(name: string): boolean {
  return OWNER_NAMES.has(normaliseName(name));
}
