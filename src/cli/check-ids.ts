import { AUDIT_RULES } from "../audit/registry.js";
import { SCAN_CHECKS } from "../scan/registry.js";

/**
 * Every id an `ignore:` entry may name: the scan's checks and the audit's rules (one config
 * serves both commands, so either kind is known to each).
 *
 * @example
 * ```ts
 * loadConfigFile("rampart.yaml", new Date(), { checkIds: checkIds() });
 * ```
 */
export function checkIds(): string[] {
  return [...SCAN_CHECKS.map((c) => c.id), ...AUDIT_RULES.map((r) => r.id)].sort();
}
