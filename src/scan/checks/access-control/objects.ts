import { escapeRegExp } from "../../../core/regexp.js";
import { type Identity, jsonObject, sendAs } from "../../identities.js";
import { isErrorBody } from "../../responses.js";
import type { CheckContext, Exchange, ScanOperation } from "../../types.js";

/** A collection of the API: a GET on `P` whose items are addressed as `P/{id}`. */
export interface Collection {
  /** The list operation, e.g. GET /api/orders. */
  readonly list: ScanOperation;
  /** The operations on one item, e.g. GET|PATCH|DELETE /api/orders/{id}. */
  readonly item: readonly ScanOperation[];
  /** The create operation (POST on the collection), when documented. */
  readonly create?: ScanOperation;
  /** The name of the item template's parameter (`id`, `slug`, `orderId`). */
  readonly param: string;
}

/** An object of a collection as one identity saw it. */
export interface ObjectRef {
  readonly id: string;
  readonly url: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/**
 * The collections of the document: list operations next to an item template one parameter
 * deeper (read, changed or deleted), nested ones included (`/articles/{slug}/comments` with its parameters filled from
 * what the API answered).
 *
 * @example
 * ```ts
 * collectionsOf(context.target.operations)[0]?.list.path; // "/api/orders"
 * ```
 */
export function collectionsOf(operations: readonly ScanOperation[]): Collection[] {
  const result: Collection[] = [];
  for (const list of operations) {
    if (list.method !== "GET" || list.path.endsWith("}")) continue;
    const itemPath = new RegExp(`^${escapeRegExp(list.path.replace(/\/+$/, ""))}/\\{([^}/]+)\\}$`);
    const item = operations.filter((o) => itemPath.test(o.path));
    // An item only deleted (`DELETE /articles/{slug}/comments/{id}`) still makes a collection.
    const first = item.find((o) => o.method === "GET") ?? item[0];
    if (!first) continue;
    const param = itemPath.exec(first.path)?.[1] ?? "id";
    const create = operations.find((o) => o.method === "POST" && o.path === list.path);
    result.push({ list, item, param, ...(create ? { create } : {}) });
  }
  return result;
}

/** The URL of one item of a collection: the list URL (query dropped) plus the id. */
export function itemUrl(collection: Collection, id: string): string {
  const url = new URL(collection.list.url);
  url.search = "";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(id)}`;
  return url.href;
}

/**
 * A GET of `url` without any credentials, asking for JSON, sent once per scan whichever check
 * asks first (missing-auth, user-data and guessable-ids all need it).
 *
 * @example
 * ```ts
 * const anonymous = await anonymousGet(context, op.url);
 * ```
 */
export function anonymousGet(context: CheckContext, url: string): Promise<Exchange | undefined> {
  return context.shared(`anonymous:GET ${url}`, () =>
    sendAs(context, undefined, { url, headers: { accept: "application/json" } }),
  );
}

/** A read that needs the credential: refused without it, answered with it. */
export interface ProtectedRead {
  readonly op: ScanOperation;
  readonly answer: Exchange;
  readonly without: Exchange;
}

/**
 * The GET operations (among the first `scan`) that refuse a caller without credentials (401 /
 * 403) and whose answer to `ask` passes `accepts` (default: a 2xx), at most `max` of them: the
 * places where a credential is shown to matter.
 *
 * @example
 * ```ts
 * const [read] = await protectedReads(context, (url) => sendAs(context, alice, { url }), { max: 1 });
 * ```
 */
export async function protectedReads(
  context: CheckContext,
  ask: (url: string) => Promise<Exchange | undefined>,
  options: {
    readonly max: number;
    readonly scan?: number;
    readonly accepts?: (answer: Exchange) => boolean;
  },
): Promise<ProtectedRead[]> {
  const accepts = options.accepts ?? ((e: Exchange) => e.status >= 200 && e.status < 300);
  const found: ProtectedRead[] = [];
  const gets = context.target.operations.filter((o) => o.method === "GET");
  for (const op of gets.slice(0, options.scan ?? 30)) {
    if (found.length >= options.max) break;
    const without = await anonymousGet(context, op.url);
    if (!without || (without.status !== 401 && without.status !== 403)) continue;
    const answer = await ask(op.url);
    if (answer && accepts(answer)) found.push({ op, answer, without });
  }
  return found;
}

/**
 * The objects of a JSON list answer: a top-level array, or the one array of objects a page
 * wrapper holds (`items`, `data`, `results`...).
 *
 * @example
 * ```ts
 * objectsOf('{"items":[{"id":"a"}],"total":1}'); // [{ id: "a" }]
 * ```
 */
export function objectsOf(body: string): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [];
  }
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(value)) return value.filter(isObj);
  if (!isObj(value)) return [];
  const arrays = Object.values(value).filter(
    (v): v is unknown[] => Array.isArray(v) && v.length > 0 && v.every(isObj),
  );
  return arrays.length === 1 ? (arrays[0] as Record<string, unknown>[]) : [];
}

/**
 * The id of an object: the member named like the item template's parameter (`slug` for
 * `/articles/{slug}`), else its `id` (or `_id`, `uuid`), when a string or an integer.
 *
 * @example
 * ```ts
 * idOf({ slug: "how-to", title: "How to" }, "slug"); // "how-to"
 * ```
 */
export function idOf(value: Readonly<Record<string, unknown>>, param?: string): string | undefined {
  for (const key of [...(param ? [param] : []), "id", "_id", "uuid"]) {
    const id = value[key];
    if (typeof id === "string" && id !== "") return id;
    if (typeof id === "number" && Number.isSafeInteger(id)) return String(id);
  }
  return undefined;
}

/**
 * The object itself when an answer wraps it in one member (`{"article": {...}}`, as the
 * RealWorld APIs do), with the wrapper's name; the value as it is otherwise.
 *
 * @example
 * ```ts
 * unwrapped({ article: { slug: "a" } }); // { value: { slug: "a" }, key: "article" }
 * ```
 */
export function unwrapped(value: Readonly<Record<string, unknown>>): {
  value: Readonly<Record<string, unknown>>;
  key?: string;
} {
  const keys = Object.keys(value);
  const [key] = keys;
  const inner = key !== undefined ? value[key] : undefined;
  if (
    keys.length === 1 &&
    key !== undefined &&
    inner !== null &&
    typeof inner === "object" &&
    !Array.isArray(inner)
  )
    return { value: inner as Record<string, unknown>, key };
  return { value };
}

/**
 * Lists a collection as an identity (once per scan and identity): the answer and the objects
 * with their item URLs.
 */
export function listAs(
  context: CheckContext,
  identity: Identity,
  collection: Collection,
): Promise<{ exchange?: Exchange; objects: ObjectRef[] }> {
  return context.shared(`list:${identity.name}:${collection.list.path}`, async () => {
    const exchange = await sendAs(context, identity, {
      url: collection.list.url,
      headers: { accept: "application/json" },
    });
    if (exchange?.status !== 200) return { ...(exchange ? { exchange } : {}), objects: [] };
    const objects = objectsOf(exchange.body).flatMap((value) => {
      const id = idOf(value, collection.param);
      return id === undefined ? [] : [{ id, url: itemUrl(collection, id), value }];
    });
    return { exchange, objects };
  });
}

/**
 * The id in a `Location` header or a JSON body of a create answer (the object itself or the one
 * member that wraps it), named like the item parameter when given.
 */
export function createdId(exchange: Exchange, param?: string): string | undefined {
  const location = exchange.headers.location;
  if (location) {
    const last = new URL(location, exchange.url).pathname.split("/").filter(Boolean).at(-1);
    if (last) return decodeURIComponent(last);
  }
  const body = jsonObject(exchange.body);
  return body ? (idOf(body, param) ?? idOf(unwrapped(body).value, param)) : undefined;
}

/**
 * A 2xx that delivers data: not an error disguised as a success (`{"success": false}`,
 * `{"error": ...}`, a problem document), not a login page, and not shaped like the answer to a
 * path that does not exist when the target answers those with 2xx too.
 *
 * @example
 * ```ts
 * if (delivers(exchange, context.target.baseline)) findings.push(...);
 * ```
 */
export function delivers(
  exchange: Exchange | undefined,
  baseline?: Exchange,
): exchange is Exchange {
  if (!exchange || exchange.status < 200 || exchange.status >= 300) return false;
  // By the body, not the Content-Type: some APIs label JSON as text/html (OUT-05).
  if (/^\s*</.test(exchange.body)) return false;
  if (isErrorBody(exchange.body)) return false;
  const body = jsonObject(exchange.body);
  if (baseline && baseline.status >= 200 && baseline.status < 300) {
    const reference = jsonObject(baseline.body);
    if (!body || !reference) return exchange.body !== baseline.body && exchange.body !== "";
    return shape(body) !== shape(reference);
  }
  return true;
}

function shape(body: Readonly<Record<string, unknown>>): string {
  return Object.keys(body).sort().join(",");
}
