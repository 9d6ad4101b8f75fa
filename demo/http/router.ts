import type { Route } from "../types.js";

/** The routes of one path pattern, and the raw (still percent-encoded) parameters of a path. */
export interface RouteMatch {
  readonly pattern: string;
  readonly routes: readonly Route[];
  readonly rawParams: Readonly<Record<string, string>>;
}

export interface Router {
  /** The most specific pattern that matches a path (static segments beat parameters). */
  match(pathname: string): RouteMatch | undefined;
}

interface Pattern {
  readonly path: string;
  readonly segments: readonly string[];
  readonly routes: Route[];
}

/**
 * A tiny router over route tables. Paths are matched segment by segment, exactly (a trailing
 * slash is a segment of its own); two routes with the same method and path are a programming
 * error, reported at start.
 *
 * @example
 * ```ts
 * const router = createRouter([...usersRoutes(context), ...ordersRoutes(context)]);
 * router.match("/api/orders/42")?.rawParams; // { id: "42" }
 * ```
 */
export function createRouter(routes: readonly Route[]): Router {
  const patterns = new Map<string, Pattern>();
  for (const route of routes) {
    let pattern = patterns.get(route.path);
    if (!pattern) {
      pattern = { path: route.path, segments: route.path.split("/").slice(1), routes: [] };
      patterns.set(route.path, pattern);
    }
    if (pattern.routes.some((r) => r.method === route.method)) {
      throw new Error(`duplicate demo route ${route.method} ${route.path}`);
    }
    pattern.routes.push(route);
  }

  return {
    match(pathname) {
      const segments = pathname.split("/").slice(1);
      let best: { pattern: Pattern; params: Record<string, string>; score: string } | undefined;
      for (const pattern of patterns.values()) {
        const params = matchSegments(pattern.segments, segments);
        if (!params) continue;
        // "1" per static segment, "0" per parameter: comparing the strings ranks the first
        // static segment where two patterns differ (/api/users/me over /api/users/:id).
        const score = pattern.segments.map((s) => (s.startsWith(":") ? "0" : "1")).join("");
        if (!best || score > best.score) best = { pattern, params, score };
      }
      return (
        best && { pattern: best.pattern.path, routes: best.pattern.routes, rawParams: best.params }
      );
    },
  };
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, expected] of pattern.entries()) {
    const actual = segments[i] ?? "";
    if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      params[expected.slice(1)] = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

/**
 * The methods a path supports, as listed in `Allow` (RFC 9110 10.2.1): the routes' methods,
 * HEAD beside GET, and OPTIONS.
 *
 * @example
 * ```ts
 * allowedMethods(router.match("/health")!.routes); // ["GET", "HEAD", "OPTIONS"]
 * ```
 */
export function allowedMethods(routes: readonly Route[]): string[] {
  const methods: string[] = [];
  for (const route of routes) {
    methods.push(route.method);
    if (route.method === "GET") methods.push("HEAD");
  }
  methods.push("OPTIONS");
  return methods;
}
