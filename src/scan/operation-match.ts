import { stableText } from "../core/fingerprint.js";
import { escapeRegExp } from "../core/regexp.js";
import type { ScanOperation } from "./types.js";

/**
 * Finds the operation of the target a request belongs to: literal paths before templated ones
 * (OpenAPI 3.1 4.8.8.2: `/users/me` is not `/users/{id}`), the server's base path included.
 *
 * @example
 * ```ts
 * const match = operationMatcher(target.operations);
 * match("GET", new URL("https://api.test/api/orders/1018")); // the GET /api/orders/{id} operation
 * ```
 */
export function operationMatcher(
  operations: readonly ScanOperation[],
): (method: string, url: URL) => ScanOperation | undefined {
  const templates = operations
    .map((op) => ({
      op,
      pattern: templatePattern(op),
      params: (op.path.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  return (method, url) =>
    templates.find((t) => t.op.method === method && t.pattern.test(url.pathname))?.op;
}

/**
 * Names the operation of a finding's URL as it stays from run to run: `GET /api/orders/{id}`
 * from the API's description when one matches, else the path with ids and the scan's random
 * probe names generalised. Origins other than the target's stay in the name.
 *
 * @example
 * ```ts
 * const name = operationNamer(target.base, target.operations);
 * name("GET", "https://api.test/rampart-07b467e5ea30"); // "GET /{probe}"
 * ```
 */
export function operationNamer(
  base: URL,
  operations: readonly ScanOperation[],
): (method: string, url: string) => string {
  const match = operationMatcher(operations);
  return (method, url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `${method} ${stableText(url)}`;
    }
    const op = match(method, parsed);
    const origin = parsed.origin === base.origin ? "" : parsed.origin;
    return `${method} ${origin}${op ? op.path : stableText(normalisePath(parsed.pathname))}`;
  };
}

/** The server's path prefix plus the template, as a regular expression. */
function templatePattern(op: ScanOperation): RegExp {
  const prefix = URL.canParse(op.server) ? new URL(op.server).pathname.replace(/\/+$/, "") : "";
  const body = op.path
    .split("/")
    .map((segment) =>
      segment
        .split(/\{[^}]*\}/)
        .map(escapeRegExp)
        .join("[^/]+"),
    )
    .join("/");
  return new RegExp(`^${escapeRegExp(prefix)}${body}/?$`);
}

/**
 * A path with its identifier-like segments (numbers, UUIDs, long hex, ObjectIds) replaced by
 * `{id}`, so that exchanges of one undocumented operation group together.
 *
 * @example
 * ```ts
 * normalisePath("/api/orders/1042/items/5f2b6c1e9d3a4b0012ab34cd"); // "/api/orders/{id}/items/{id}"
 * ```
 */
export function normalisePath(path: string): string {
  return path
    .split("/")
    .map((segment) =>
      /^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{16,}$/i.test(
        segment,
      )
        ? "{id}"
        : segment,
    )
    .join("/");
}
