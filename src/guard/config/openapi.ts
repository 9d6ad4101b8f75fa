import type { Operation } from "../../openapi/types.js";
import { ROUTE_METHODS, type RouteConfig } from "./schema.js";

/**
 * Derives guard routes from OpenAPI operations (zero-config mode): one route per path template
 * with the methods it declares; accepted request media types from the request bodies; produced
 * media types from the responses; `security: []` makes an operation public, anything else needs
 * an identity (until the identity policies exist, it is refused with 401). Paths are prefixed
 * with the path of the first server URL, when it has one.
 *
 * @example
 * ```ts
 * routesFromOperations(listOperations(await loadOpenApiFile("openapi.yaml")), "/v1");
 * // [{ path: "/v1/users/:id", methods: ["GET"], accepts: [], produces: ["application/json"], public: false }]
 * ```
 */
export function routesFromOperations(
  operations: readonly Operation[],
  basePath = "",
): RouteConfig[] {
  const byKey = new Map<
    string,
    RouteConfig & { methods: string[]; accepts: string[]; produces: string[] }
  >();
  const prefix = basePath.replace(/\/+$/, "");
  for (const op of operations) {
    const method = op.method.toUpperCase();
    if (!(ROUTE_METHODS as readonly string[]).includes(method)) continue; // TRACE is never proxied
    const path = `${prefix}${op.path}`.replace(
      /\{([^}/]+)\}/g,
      (_m, name: string) => `:${name.replace(/[^A-Za-z0-9_]/g, "_")}`,
    );
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    // Operations on one path that differ in being public become separate routes: same pattern,
    // disjoint methods.
    const key = `${path} ${isPublic}`;
    let route = byKey.get(key);
    if (!route) {
      route = { path, methods: [], accepts: [], produces: [], public: isPublic };
      byKey.set(key, route);
    }
    route.methods.push(method);
    for (const content of op.requestBody?.content ?? [])
      addMediaType(route.accepts, content.mediaType);
    for (const response of Object.values(op.responses))
      for (const content of response.content) addMediaType(route.produces, content.mediaType);
  }
  return [...byKey.values()].map((route) => ({
    ...route,
    produces: route.produces.length > 0 ? route.produces : ["application/json"],
  }));
}

function addMediaType(list: string[], mediaType: string): void {
  const type = mediaType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  // Wildcards ("*/*", "application/*") cannot be enforced; a route with one accepts anything of it.
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return;
  if (!list.includes(type)) list.push(type);
}

/** The path part of an OpenAPI document's first server URL ("" when none). */
export function basePathOf(raw: Readonly<Record<string, unknown>>): string {
  const servers = raw.servers;
  if (Array.isArray(servers)) {
    const url = (servers[0] as { url?: unknown } | undefined)?.url;
    if (typeof url === "string") {
      try {
        return new URL(url, "http://placeholder.invalid").pathname.replace(/\/+$/, "");
      } catch {
        return "";
      }
    }
  }
  if (typeof raw.basePath === "string") return raw.basePath.replace(/\/+$/, "");
  return "";
}
