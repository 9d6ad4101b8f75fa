import { jsonObject } from "../../identities.js";
import type { CheckContext, Exchange, ScanOperation, ScanRequest } from "../../types.js";

/** Where a value goes in a request. */
export type PointLocation = "path" | "query" | "body" | "form" | "header" | "cookie";

/** One input of one operation: a parameter, a form field, or a JSON leaf at any depth. */
export interface InjectionPoint {
  readonly op: ScanOperation;
  readonly where: PointLocation;
  /** The parameter or field name; for JSON, the leaf's JSON pointer (`/user/email`). */
  readonly name: string;
  /** The value the operation's example gives it. */
  readonly value: string;
}

/** Points of one operation at most, so that one wide operation does not take every share. */
export const MAX_POINTS_PER_OPERATION = 8;

/** JSON leaves are collected down to this depth (objects and the first item of arrays). */
export const MAX_JSON_DEPTH = 4;

/** Names that usually reach a query as text (search terms, filters, ids): probed first. */
const HIGH_PRIORITY =
  /search|query|^q$|filter|term|keyword|name|title|user|email|login|id$|^id|slug|category|month|year|file|path|url|sort|order/i;
/** Paging parameters rarely reach a query as text: they come last. */
const LOW_PRIORITY = /^(limit|offset|page|per_?page|page_?size|size|cursor)$/i;

/** Headers every request carries anyway, or that the HTTP layer owns: never injection points. */
const RESERVED_HEADERS = /^(authorization|content-type|content-length|accept|host|cookie)$/i;

const SAFE_METHODS = new Set(["GET", "HEAD"]);

const LOCATION_RANK: Readonly<Record<PointLocation, number>> = {
  query: 0,
  path: 0,
  body: 0,
  form: 0,
  header: 1,
  cookie: 1,
};

/**
 * Every input of every documented operation, ranked for a bounded budget: path, query, JSON
 * body leaves at any depth, form fields, then declared headers and cookies; search- and id-like
 * names first, paging last; at most {@link MAX_POINTS_PER_OPERATION} per operation. Reads and
 * writes alike (the injection checks run in the full profile only). Callers probe a prefix and
 * report the rest as not covered.
 *
 * @example
 * ```ts
 * injectionPoints(context)[0]; // { op, where: "query", name: "search", value: "rampart" }
 * injectionPoints(context, ["query", "path"]); // only what can land in a URL
 * ```
 */
export function injectionPoints(
  context: CheckContext,
  where?: readonly PointLocation[],
): InjectionPoint[] {
  const wanted = (w: PointLocation) => where === undefined || where.includes(w);
  const points: InjectionPoint[] = [];
  for (const op of context.target.operations) {
    // Every probe of an input starts with a baseline request of the operation as it is, and a
    // DELETE with the id of a real object deletes it: its path parameters are the ones its GET
    // takes, probed there.
    if (op.method === "DELETE") continue;
    const own: InjectionPoint[] = [];
    const url = new URL(op.url);
    for (const p of op.parameters) {
      if (p.in === "header" && RESERVED_HEADERS.test(p.name)) continue;
      if (!wanted(p.in)) continue;
      const value = p.in === "query" ? (url.searchParams.get(p.name) ?? p.value) : p.value;
      own.push({ op, where: p.in, name: p.name, value: value || "rampart" });
    }
    if (!SAFE_METHODS.has(op.method)) {
      const kept = keptFields(context, op);
      if (wanted("body"))
        for (const [pointer, value] of jsonLeaves(jsonObject(op.exampleBody ?? "")))
          if (!kept.has(pointer.split("/").at(-1) ?? ""))
            own.push({ op, where: "body", name: pointer, value });
      if (wanted("form"))
        for (const [name, value] of Object.entries(op.exampleForm ?? {}))
          if (!kept.has(name)) own.push({ op, where: "form", name, value: value || "rampart" });
    }
    points.push(...own.sort((a, b) => rank(a) - rank(b)).slice(0, MAX_POINTS_PER_OPERATION));
  }
  return points.sort((a, b) => rank(a) - rank(b));
}

function rank(p: InjectionPoint): number {
  const name = p.name.split("/").at(-1) ?? p.name;
  const byName = HIGH_PRIORITY.test(name) ? 0 : LOW_PRIORITY.test(name) ? 2 : 1;
  return LOCATION_RANK[p.where] * 3 + byName;
}

/** String and number leaves of a JSON object with their JSON pointers. */
function jsonLeaves(value: unknown, pointer = "", depth = 0): [string, string][] {
  if (depth > MAX_JSON_DEPTH) return [];
  if (typeof value === "string") return [[pointer, value || "rampart"]];
  if (typeof value === "number") return [[pointer, String(value)]];
  if (Array.isArray(value))
    return value.length > 0 ? jsonLeaves(value[0], `${pointer}/0`, depth + 1) : [];
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) =>
      jsonLeaves(v, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, depth + 1),
    );
  return [];
}

/** Operations with a JSON object body (for NoSQL operators and type confusion). */
export function jsonBodyOperations(
  context: CheckContext,
): { op: ScanOperation; body: Record<string, unknown> }[] {
  const found: { op: ScanOperation; body: Record<string, unknown> }[] = [];
  for (const op of context.target.operations) {
    if (SAFE_METHODS.has(op.method)) continue;
    const body = jsonObject(op.exampleBody ?? "");
    if (body && jsonLeaves(body).length > 0) found.push({ op, body });
  }
  return found;
}

/**
 * The request that puts `value` at the point (a string; for JSON leaves, any JSON value).
 *
 * @example
 * ```ts
 * requestWith(point, "'"); // { method: "GET", url: "http://127.0.0.1:8088/api/products?search=%27" }
 * ```
 */
export function requestWith(point: InjectionPoint, value: unknown): ScanRequest {
  const { op } = point;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const headers: Record<string, string> = { accept: "application/json, text/html;q=0.5" };
  const cookies = op.parameters
    .filter((p) => p.in === "cookie")
    .map((p) => [p.name, point.where === "cookie" && p.name === point.name ? text : p.value]);
  for (const p of op.parameters)
    if (p.in === "header" && !RESERVED_HEADERS.test(p.name)) headers[p.name] = p.value;
  if (point.where === "header") headers[point.name] = text.replace(/[\r\n]/g, " ");
  if (cookies.length > 0)
    headers.cookie = cookies.map(([k, v]) => `${k}=${encodeURIComponent(v ?? "")}`).join("; ");
  const url = urlWith(point, text);
  if (point.where === "body") {
    const body = setAt(jsonObject(op.exampleBody ?? "") ?? {}, point.name, value);
    return {
      method: op.method,
      url,
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    };
  }
  if (op.exampleBody !== undefined && !SAFE_METHODS.has(op.method))
    return {
      method: op.method,
      url,
      headers: { ...headers, "content-type": "application/json" },
      body: op.exampleBody,
    };
  if (op.exampleForm !== undefined) {
    const form = new URLSearchParams({ ...op.exampleForm });
    if (point.where === "form") form.set(point.name, text);
    return {
      method: op.method,
      url,
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    };
  }
  return { method: op.method, url, headers };
}

/** The operation's URL with the point's path or query value replaced. */
function urlWith(point: InjectionPoint, text: string): string {
  const { op } = point;
  const current = new URL(op.url);
  if (point.where === "query") {
    current.searchParams.set(point.name, text);
    return current.href;
  }
  if (point.where !== "path") return op.url;
  const values = new Map(
    op.parameters.filter((p) => p.in === "path").map((p) => [p.name, p.value]),
  );
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(name === point.name ? text : (values.get(name) ?? "1")),
  );
  return `${op.server}${path}${current.search}`;
}

/** A copy of `object` with the leaf at a JSON pointer set to `value`. */
function setAt(object: Record<string, unknown>, pointer: string, value: unknown): unknown {
  const copy = structuredClone(object) as Record<string, unknown>;
  const keys = pointer
    .split("/")
    .slice(1)
    .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: unknown = copy;
  for (const [i, key] of keys.entries()) {
    if (node === null || typeof node !== "object") return copy;
    const container = node as Record<string, unknown>;
    if (i === keys.length - 1) container[key] = value;
    else node = container[key];
  }
  return copy;
}

/**
 * A copy of a JSON body with each string field, at any depth, replaced by `value(field,
 * current)`; the fields in `kept` stay as they are.
 *
 * @example
 * ```ts
 * replaceStrings({ user: { bio: "hi", email: "a@b" } }, () => 1, new Set(["email"]));
 * // { user: { bio: 1, email: "a@b" } }
 * ```
 */
export function replaceStrings<T>(
  body: T,
  value: (key: string, current: string) => unknown,
  kept: ReadonlySet<string> = new Set(),
): T {
  const visit = (node: unknown, key: string, depth: number): unknown => {
    if (typeof node === "string") return kept.has(key) ? node : value(key, node);
    if (depth > MAX_JSON_DEPTH || node === null || typeof node !== "object") return node;
    if (Array.isArray(node)) return node.map((v) => visit(v, key, depth + 1));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, k, depth + 1)]));
  };
  return visit(body, "", 0) as T;
}

/**
 * The login's own fields (`email`, `password`) in an update (PUT, PATCH) of an authenticated
 * scan: probes leave them as they are, since a changed email or password ends the scan's
 * session and leaves the test account unusable.
 */
export function keptFields(context: CheckContext, op: ScanOperation): ReadonlySet<string> {
  const fields = context.target.loginFields;
  if (!fields || (op.method !== "PUT" && op.method !== "PATCH")) return new Set();
  return new Set(fields.keys());
}

/** A JSON request to an operation. */
export function jsonRequest(op: ScanOperation, body: unknown): ScanRequest {
  return {
    method: op.method,
    url: op.url,
    headers: { "content-type": "application/json", accept: "application/json, text/html;q=0.5" },
    body: JSON.stringify(body),
  };
}

/** The request line plus the body, for evidence: what was sent, exactly. */
export function describeRequest(request: ScanRequest, exchange?: Exchange): string {
  const url = new URL(exchange?.url ?? String(request.url), "http://target");
  const line = `${request.method ?? "GET"} ${url.pathname}${url.search} HTTP/1.1`;
  return request.body === undefined ? line : `${line} (body ${request.body})`;
}

const LOCATION_WORDS: Readonly<Record<PointLocation, string>> = {
  path: "path parameter",
  query: "query parameter",
  body: "JSON field",
  form: "form field",
  header: "header",
  cookie: "cookie",
};

/** The point in words, e.g. `query parameter "search" of GET /api/products`. */
export function describePoint(point: InjectionPoint): string {
  return `${LOCATION_WORDS[point.where]} "${point.name}" of ${point.op.method} ${point.op.path}`;
}

/** A stable key for findings: `query-search`, `body-/user/email`. */
export function pointKey(point: InjectionPoint): string {
  return `${point.where}-${point.name}`;
}

/** The answer to the operation with its example value, shared by the injection checks. */
export function baseline(
  context: CheckContext,
  point: InjectionPoint,
): Promise<Exchange | undefined> {
  const request = requestWith(point, point.value);
  return context.shared(`in-04-baseline ${describeRequest(request)}`, () =>
    context.http.trySend(request),
  );
}
