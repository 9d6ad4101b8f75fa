import { pageOf, pagingOf } from "../http/paging.js";
import { HttpError, problem } from "../http/problem.js";
import type { DemoContext, DemoRequest, DemoResponse, Route } from "../types.js";
import { type Catalog, openCatalog, type Product } from "./catalog.js";
import { searchPage } from "./page.js";

/** Longest search term accepted. */
export const MAX_TERM_LENGTH = 100;

/**
 * The shop's search: `GET /api/products?search=term` (JSON, paged: `?limit` and `?offset`) and `GET /search?q=term` (an HTML
 * page). With `sql-injection` the API's term is concatenated into the SQL, and SQLite's error
 * messages reach the client; with `reflected-xss` the page echoes its query unescaped.
 *
 * @example
 * ```ts
 * // GET /api/products?search=widget -> 200 {"items":[{"id":1,"name":"Blue widget","price":9.5},...],"total":2,"limit":20,"offset":0}
 * ```
 */
export function searchRoutes(_context: DemoContext): Route[] {
  let catalog: Promise<Catalog> | undefined;
  const open = (): Promise<Catalog> => {
    catalog ??= openCatalog();
    return catalog;
  };
  return [
    {
      method: "GET",
      path: "/api/products",
      auth: "none",
      handler: async (request, context) => products(request, context, await open()),
    },
    {
      method: "GET",
      path: "/search",
      auth: "none",
      produces: ["text/html"],
      handler: async (request, context) => {
        const q = term(request, "q");
        const body = searchPage(
          q,
          q === "" ? [] : (await open()).search(q),
          context.has("reflected-xss"),
        );
        return { status: 200, contentType: "text/html; charset=utf-8", body };
      },
    },
  ];
}

function products(request: DemoRequest, context: DemoContext, catalog: Catalog): DemoResponse {
  const paging = pagingOf(context, request.url.searchParams);
  const page = (found: Product[]) => pageOf(found, paging, (p) => p);
  if (!context.has("sql-injection")) {
    return { status: 200, body: page(catalog.search(term(request, "search"))) };
  }
  const search = request.url.searchParams.get("search") ?? "";
  try {
    return { status: 200, body: page(catalog.searchConcatenated(search)) };
  } catch (error) {
    // The flawed twin hands the database's own message to the client, as careless handlers do.
    const message = error instanceof Error ? error.message : String(error);
    return problem(500, `SQLITE_ERROR: ${message}`);
  }
}

function term(request: DemoRequest, name: string): string {
  const value = request.url.searchParams.get(name) ?? "";
  if (value.length > MAX_TERM_LENGTH) {
    throw new HttpError(400, `${name} must be ${MAX_TERM_LENGTH} characters at most.`, [
      { parameter: name, detail: `must be ${MAX_TERM_LENGTH} characters at most` },
    ]);
  }
  return value;
}
