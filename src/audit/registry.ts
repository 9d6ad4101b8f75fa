import type { Covering } from "../catalog/coverage.js";

/**
 * Every rule that `rampart audit` registers, as metadata. `rampart checklist` computes coverage
 * from this list, so a rule counts only once it is registered here.
 */
export const AUDIT_RULES: readonly Covering[] = Object.freeze([]);
