import type { Covering } from "../catalog/coverage.js";

/**
 * Every policy that `rampart guard` registers, as metadata. `rampart checklist` computes coverage
 * from this list, so a policy counts only once it is registered here.
 */
export const GUARD_POLICIES: readonly Covering[] = Object.freeze([]);
