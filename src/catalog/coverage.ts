import type { Capability, Catalog } from "./catalog.js";
import type { ItemId } from "./ids.js";

/** What every check, audit rule and guard policy declares about itself, as data. */
export interface Covering {
  readonly id: string;
  readonly items: readonly ItemId[];
}

/** The registries, by capability: what is registered in code, never a hand-written table. */
export type Registries = Readonly<Record<Capability, readonly Covering[]>>;

/** Which checks, rules and policies cover one item. */
export interface ItemCoverage {
  readonly scan: readonly string[];
  readonly audit: readonly string[];
  readonly guard: readonly string[];
}

/**
 * Computes, for every catalog item, the ids of the checks, audit rules and guard policies that
 * declare it. A declaration of an item the catalog does not know is a programming error.
 *
 * @example
 * ```ts
 * const coverage = computeCoverage(loadCatalog(), { scan: SCAN_CHECKS, audit: AUDIT_RULES, guard: GUARD_POLICIES });
 * coverage.get("IN-02"); // { scan: ["in-02-not-acceptable"], audit: [], guard: [] }
 * ```
 */
export function computeCoverage(
  catalog: Catalog,
  registries: Registries,
): ReadonlyMap<ItemId, ItemCoverage> {
  const result = new Map<ItemId, { scan: string[]; audit: string[]; guard: string[] }>();
  for (const item of catalog.items) result.set(item.id, { scan: [], audit: [], guard: [] });
  for (const capability of ["scan", "audit", "guard"] as const) {
    const seen = new Set<string>();
    for (const entry of registries[capability]) {
      if (seen.has(entry.id))
        throw new TypeError(`${capability} id "${entry.id}" is registered twice`);
      seen.add(entry.id);
      for (const id of entry.items) {
        const coverage = result.get(id);
        if (!coverage)
          throw new TypeError(`${capability} "${entry.id}" declares unknown item "${id}"`);
        coverage[capability].push(entry.id);
      }
    }
  }
  return result;
}
