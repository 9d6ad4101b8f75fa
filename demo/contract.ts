import type { Json } from "./openapi-components.js";
import { pagingParameters } from "./openapi-paging.js";

/** What a search term may hold in the contract: letters, digits, spaces and hyphens. */
export const SEARCH_TERM_PATTERN = "^[\\p{L}\\p{N} -]*$";

/**
 * The demo API's contract as its designers would write it, from the document the flawed demo
 * serves (which describes the code as it is, flaws included): the guard enforces this one.
 * Four changes, each the positive model of one checklist item:
 * - users are answered without their password hash, and their `id` and `role` are read-only
 *   (OUT-06: never return credentials; EXT-05: the server assigns them);
 * - a profile update takes a display name and an email, nothing else (EXT-05: mass assignment);
 * - a search term is letters, digits, spaces and hyphens (IN-04: the edge refuses the quotes,
 *   angle brackets and operators that injections are made of);
 * - a list's page size is capped (EXT-06: one request cannot ask for the whole table).
 * Everything else (paths, ids, security) is the served document's, so that the scan behind the
 * guard tests the same API.
 *
 * @example
 * ```ts
 * const contract = designedContract(await (await fetch(`${api.url}/openapi.json`)).json());
 * ```
 */
export function designedContract(served: Json): Json {
  const contract = structuredClone(served);
  const schemas = ((contract.components as Json | undefined)?.schemas ?? {}) as Record<
    string,
    Json
  >;
  const user = schemas.User;
  if (user) {
    const properties = user.properties as Record<string, Json>;
    delete properties.passwordHash;
    for (const name of ["id", "role"]) if (properties[name]) properties[name].readOnly = true;
  }
  if (schemas.UserUpdate) {
    const properties = schemas.UserUpdate.properties as Record<string, Json>;
    delete properties.role;
    schemas.UserUpdate.additionalProperties = false;
  }
  const paths = (contract.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, name] of [
    ["/api/products", "search"],
    ["/search", "q"],
  ] as const) {
    const parameters = (paths[path]?.get?.parameters ?? []) as Json[];
    const term = parameters.find((p) => p.name === name && p.in === "query");
    if (term) term.schema = { ...(term.schema as Json), pattern: SEARCH_TERM_PATTERN };
  }
  // The page size as the hardened routes enforce it (the served document drops the cap).
  const capped = pagingParameters(false).find((p) => p.name === "limit")?.schema;
  for (const item of Object.values(paths)) {
    const parameters = (item.get?.parameters ?? []) as Json[];
    const limit = parameters.find((p) => p.name === "limit" && p.in === "query");
    if (limit && capped) limit.schema = capped;
  }
  return contract;
}
