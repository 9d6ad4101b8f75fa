import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./http/paging.js";
import type { Json } from "./openapi-components.js";

/**
 * The paging query parameters of the demo's lists, as the routes enforce them (see
 * `pagingOf`): `limit` capped at {@link MAX_PAGE_SIZE} unless `unbounded` (the
 * `unbounded-input` flaw), and `offset`.
 *
 * @example
 * ```ts
 * pagingParameters(false)[0]; // { name: "limit", in: "query", schema: { ..., maximum: 100 } }
 * ```
 */
export function pagingParameters(unbounded: boolean): Json[] {
  const limit: Json = { type: "integer", minimum: 1, default: DEFAULT_PAGE_SIZE };
  return [
    {
      name: "limit",
      in: "query",
      description: "page size",
      schema: unbounded ? limit : { ...limit, maximum: MAX_PAGE_SIZE },
    },
    {
      name: "offset",
      in: "query",
      description: "how many items to skip",
      schema: { type: "integer", minimum: 0, default: 0 },
    },
  ];
}

/**
 * The schema of one page of a list, the shape every list of the demo answers with: the
 * `items`, the length of the whole list and the paging that selected them.
 *
 * @example
 * ```ts
 * pageSchema({ $ref: "#/components/schemas/Order" }).required; // ["items", "total", "limit", "offset"]
 * ```
 */
export function pageSchema(items: Json): Json {
  return {
    type: "object",
    required: ["items", "total", "limit", "offset"],
    properties: {
      items: { type: "array", items },
      total: { type: "integer" },
      limit: { type: "integer" },
      offset: { type: "integer" },
    },
  };
}
