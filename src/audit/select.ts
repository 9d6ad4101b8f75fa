import { CHECKLIST_IDS } from "../catalog/ids.js";
import { closest } from "../core/closest.js";
import { RampartError } from "../core/errors.js";
import type { AuditRule } from "./rule.js";

/** `--rules` and `--skip-rules` as given: selectors split on commas, repeatable. */
export interface RuleSelection {
  /** Run only the rules any of these select (all rules when absent or empty). */
  readonly only?: readonly string[];
  /** Then leave out the rules any of these select. */
  readonly skip?: readonly string[];
}

/**
 * The rules a selection keeps, in registry order. A selector is a rule id (`secret-in-url`), a
 * tag (`secrets`) or a checklist item id (`IN-05`, any case). A selector that matches no rule is a
 * usage error naming the closest known word, so a typo never silently runs everything.
 *
 * @example
 * ```ts
 * selectRules(AUDIT_RULES, { only: ["secrets"], skip: ["secret-not-write-only"] });
 * ```
 */
export function selectRules(
  rules: readonly AuditRule[],
  selection: RuleSelection,
): readonly AuditRule[] {
  const only = splitSelectors(selection.only);
  const skip = splitSelectors(selection.skip);
  for (const [option, selectors] of [
    ["--rules", only],
    ["--skip-rules", skip],
  ] as const)
    for (const s of selectors) if (!rules.some((r) => matches(r, s))) unknown(rules, option, s);
  return rules.filter(
    (r) =>
      (only.length === 0 || only.some((s) => matches(r, s))) && !skip.some((s) => matches(r, s)),
  );
}

/** Every tag the rules declare, sorted. */
export function ruleTags(rules: readonly AuditRule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.tags))].sort();
}

function splitSelectors(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

function matches(rule: AuditRule, selector: string): boolean {
  const upper = selector.toUpperCase();
  return (
    rule.id === selector ||
    rule.tags.includes(selector) ||
    rule.items.some((item) => item === upper)
  );
}

function unknown(rules: readonly AuditRule[], option: string, selector: string): never {
  const words = [...rules.map((r) => r.id), ...ruleTags(rules)];
  const isItem = (CHECKLIST_IDS as readonly string[]).includes(selector.toUpperCase());
  const hint = isItem
    ? `no audit rule covers ${selector.toUpperCase()}`
    : `not a rule id, tag or checklist item id; did you mean "${closest(selector, words)}"? (see rampart rules)`;
  throw new RampartError("ERR_USAGE", `${option} "${selector}": ${hint}`);
}
