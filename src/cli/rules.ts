import { AUDIT_RULES } from "../audit/registry.js";
import type { AuditRule } from "../audit/rule.js";
import { ruleTags } from "../audit/select.js";
import type { Catalog } from "../catalog/catalog.js";
import { loadCatalog } from "../catalog/catalog.js";
import { closest } from "../core/closest.js";
import { RampartError } from "../core/errors.js";
import type { CliIO } from "./io.js";

export interface RulesCliOptions {
  readonly format?: "text" | "json";
}

/**
 * `rampart rules`: every audit rule with its items, default severity, tags and what it looks
 * for; `rampart rules ID` explains one rule with an example that it reports and the fix. The
 * wording is the rule's metadata and its items' catalog entries. Exit 0, or 2 for an unknown id.
 *
 * @example
 * ```ts
 * await rulesCommand("secret-in-url", { format: "text" }, io);
 * ```
 */
export async function rulesCommand(
  id: string | undefined,
  options: RulesCliOptions,
  io: CliIO,
): Promise<number> {
  const catalog = loadCatalog();
  const json = options.format === "json";
  if (id === undefined) {
    io.stdout.write(
      json
        ? `${JSON.stringify({ rules: AUDIT_RULES.map((r) => describe(r, catalog)) }, null, 2)}\n`
        : listText(AUDIT_RULES),
    );
    return 0;
  }
  const rule = AUDIT_RULES.find((r) => r.id === id);
  if (!rule) {
    const near = closest(
      id,
      AUDIT_RULES.map((r) => r.id),
    );
    throw new RampartError(
      "ERR_USAGE",
      `unknown rule "${id}"${near ? `; did you mean "${near}"?` : ""} (rampart rules lists them)`,
    );
  }
  io.stdout.write(
    json ? `${JSON.stringify(describe(rule, catalog), null, 2)}\n` : explainText(rule, catalog),
  );
  return 0;
}

function describe(rule: AuditRule, catalog: Catalog) {
  return {
    id: rule.id,
    title: rule.title,
    items: rule.items,
    severity: rule.severity,
    tags: rule.tags,
    looksFor: rule.looksFor,
    example: rule.example,
    fix: fixText(rule, catalog),
  };
}

function fixText(rule: AuditRule, catalog: Catalog): string {
  const first = rule.items[0];
  return [first ? catalog.item(first).remediation : undefined, rule.fix].filter(Boolean).join(" ");
}

function listText(rules: readonly AuditRule[]): string {
  const idWidth = Math.max(...rules.map((r) => r.id.length));
  const itemWidth = Math.max(...rules.map((r) => r.items.join(",").length));
  const lines = [
    `${"RULE".padEnd(idWidth)}  ${"ITEMS".padEnd(itemWidth)}  SEVERITY  LOOKS FOR`,
    ...rules.map(
      (r) =>
        `${r.id.padEnd(idWidth)}  ${r.items.join(",").padEnd(itemWidth)}  ${r.severity.padEnd(8)}  ${r.looksFor}`,
    ),
    "",
    `${rules.length} rules. Tags: ${ruleTags(rules).join(", ")}.`,
    "Select with rampart audit --rules / --skip-rules (ids, tags or item ids); explain one with rampart rules ID.",
  ];
  return `${lines.join("\n")}\n`;
}

function explainText(rule: AuditRule, catalog: Catalog): string {
  const items = rule.items.map((id, i) => {
    const item = catalog.item(id);
    return `  ${id}${i === 0 ? " (primary)" : " (related)"}  ${item.title}`;
  });
  const lines = [
    `${rule.id}: ${rule.title}`,
    "",
    `Default severity: ${rule.severity} (a finding may be rated lower or higher where the case says so)`,
    `Tags: ${rule.tags.join(", ")}`,
    "Checklist items:",
    ...items,
    "",
    "What it looks for:",
    `  ${rule.looksFor}`,
    "",
    "Example that it reports:",
    ...rule.example.split("\n").map((l) => `  ${l}`),
    "",
    "Fix:",
    `  ${fixText(rule, catalog)}`,
    "",
    `Suppress one finding with a reason: x-rampart-ignore: [{ rule: ${rule.id}, reason: "why" }] on the node.`,
  ];
  return `${lines.join("\n")}\n`;
}
