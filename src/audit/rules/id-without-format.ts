import { isIdName } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { typesOf } from "../schemas.js";

/**
 * IN-04: an identifier parameter typed as a free string accepts anything (path traversal,
 * injection payloads) where a format or pattern would refuse it at the edge. Documentation: info.
 */
export const idWithoutFormat: AuditRule = {
  id: "id-without-format",
  items: ["IN-04"],
  severity: "info",
  title: "Identifier without format or pattern",
  tags: ["input", "identifiers"],
  looksFor:
    "Path and query parameters named like identifiers (id, userId, order_id) typed as a string with no format, pattern or enum.",
  example:
    "parameters:\n  - name: orderId\n    in: path\n    required: true\n    schema: { type: string }",
  fix: "Constrain identifiers with format: uuid or a pattern (e.g. ^[A-Za-z0-9_-]{1,64}$).",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const op of operations)
      for (const p of op.parameters) {
        if ((p.in !== "path" && p.in !== "query") || !p.schema || !p.schemaPointer) continue;
        if (!isIdName(p.name) || !typesOf(p.schema).includes("string")) continue;
        const s = p.schema;
        if (s.format !== undefined || s.pattern !== undefined || s.enum !== undefined) continue;
        const where = doc.locate(p.schemaPointer);
        const key = where ? `${where.file}#${where.pointer}` : p.schemaPointer;
        if (seen.has(key)) continue;
        seen.add(key);
        hits.push({
          pointer: p.schemaPointer,
          detail: `${p.in} parameter "${p.name}" of ${op.path} is a string without format or pattern.`,
        });
      }
    return hits;
  },
};
