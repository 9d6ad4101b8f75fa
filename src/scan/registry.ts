import type { Covering } from "../catalog/coverage.js";

/**
 * Every check that `rampart scan` registers, as metadata. `rampart checklist` computes coverage
 * from this list, so a check counts only once it is registered here.
 */
export const SCAN_CHECKS: readonly Covering[] = Object.freeze([]);
