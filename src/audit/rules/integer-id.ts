import { isIdName } from "../names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { typesOf } from "../schemas.js";

/**
 * PROC-03: integer identifiers in paths are guessable (id + 1), which turns any missing
 * ownership check into a mass data leak (API1:2023).
 */
export const integerId: AuditRule = {
  id: "integer-id",
  items: ["PROC-03"],
  severity: "medium",
  title: "Sequential integer identifier",
  fix: "Use unpredictable identifiers (UUIDv4 / random 128-bit) in URLs, and check ownership anyway.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const op of operations)
      for (const p of op.parameters) {
        if (p.in !== "path" || !p.schema || !p.schemaPointer || !isIdName(p.name)) continue;
        if (!typesOf(p.schema).includes("integer")) continue;
        const where = doc.locate(p.schemaPointer);
        const key = where ? `${where.file}#${where.pointer}` : p.schemaPointer;
        if (seen.has(key)) continue;
        seen.add(key);
        hits.push({
          pointer: p.schemaPointer,
          detail: `Path parameter "${p.name}" of ${op.path} is an integer: identifiers can be enumerated.`,
        });
      }
    return hits;
  },
};
