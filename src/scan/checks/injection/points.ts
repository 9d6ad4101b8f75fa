import type { CheckContext, Exchange, ScanOperation, ScanRequest } from "../../types.js";

/** Where a value goes: a query parameter, or a top-level string field of a JSON body. */
export interface InjectionPoint {
  readonly op: ScanOperation;
  readonly where: "query" | "body";
  readonly name: string;
  /** The value the operation's example gives it (or a harmless word). */
  readonly value: string;
}

/** Injection points probed at most per check: a bounded number of requests on any API. */
export const MAX_POINTS = 12;

/** Points of one operation at most, so that one wide operation does not take the whole share. */
export const MAX_POINTS_PER_OPERATION = 3;

/** Names that usually reach a query as text (search terms, filters): probed first. */
const HIGH_PRIORITY = /search|query|^q$|filter|term|keyword|name|title|user|email|login/i;
/** Paging and sorting parameters rarely reach a query as text: they come last. */
const LOW_PRIORITY = /^(limit|offset|page|per_?page|page_?size|size|cursor|sort|order)$/i;

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * The query parameters of read operations and the string fields of JSON bodies, from the
 * OpenAPI document, search-like names first, at most {@link MAX_POINTS}.
 *
 * @example
 * ```ts
 * injectionPoints(context, "query")[0]; // { op, where: "query", name: "search", value: "rampart" }
 * ```
 */
export function injectionPoints(context: CheckContext, where?: "query" | "body"): InjectionPoint[] {
  const points: InjectionPoint[] = [];
  for (const op of context.target.operations) {
    if (where !== "body" && SAFE_METHODS.has(op.method)) {
      const url = new URL(op.url);
      for (const name of op.queryParameters)
        points.push({ op, where: "query", name, value: url.searchParams.get(name) || "rampart" });
    }
    if (where !== "query" && !SAFE_METHODS.has(op.method)) {
      for (const [name, value] of Object.entries(jsonObject(op.exampleBody) ?? {}))
        if (typeof value === "string") points.push({ op, where: "body", name, value });
    }
  }
  const rank = (p: InjectionPoint) =>
    HIGH_PRIORITY.test(p.name) ? 0 : LOW_PRIORITY.test(p.name) ? 2 : 1;
  const perOperation = new Map<ScanOperation, number>();
  return points
    .sort((a, b) => rank(a) - rank(b))
    .filter((p) => {
      const n = (perOperation.get(p.op) ?? 0) + 1;
      perOperation.set(p.op, n);
      return n <= MAX_POINTS_PER_OPERATION;
    })
    .slice(0, MAX_POINTS);
}

/** Operations with a JSON object body (for NoSQL operators and type confusion). */
export function jsonBodyOperations(
  context: CheckContext,
): { op: ScanOperation; body: Record<string, unknown> }[] {
  const found: { op: ScanOperation; body: Record<string, unknown> }[] = [];
  for (const op of context.target.operations) {
    if (SAFE_METHODS.has(op.method)) continue;
    const body = jsonObject(op.exampleBody);
    if (body && Object.values(body).some((v) => typeof v === "string")) found.push({ op, body });
  }
  return found.slice(0, MAX_POINTS / 2);
}

/**
 * The request that puts `value` at the point (a string, or any JSON value in a body).
 *
 * @example
 * ```ts
 * requestWith(point, "'"); // { method: "GET", url: "http://127.0.0.1:8088/api/products?search=%27" }
 * ```
 */
export function requestWith(point: InjectionPoint, value: unknown): ScanRequest {
  if (point.where === "query") {
    const url = new URL(point.op.url);
    url.searchParams.set(point.name, String(value));
    return { method: point.op.method, url: url.href };
  }
  const body = { ...(jsonObject(point.op.exampleBody) ?? {}), [point.name]: value };
  return jsonRequest(point.op, body);
}

/** A copy of a JSON body with each string field replaced by `value(field)`. */
export function replaceStrings(
  body: Readonly<Record<string, unknown>>,
  value: (key: string) => unknown,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? value(k) : v]),
  );
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

/** The point in words, e.g. `query parameter "search" of GET /api/products`. */
export function describePoint(point: InjectionPoint): string {
  return `${point.where === "query" ? "query parameter" : "body field"} "${point.name}" of ${point.op.method} ${point.op.path}`;
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

function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
