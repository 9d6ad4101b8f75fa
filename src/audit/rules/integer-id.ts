import { childPointer } from "../../openapi/pointer.js";
import type { LoadedDocument } from "../../openapi/types.js";
import { isIdName } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { asObject, typesOf } from "../schemas.js";

/**
 * PROC-03: integer identifiers in paths are guessable (id + 1), which turns any missing
 * ownership check into a mass data leak (API1:2023). An id that is "an integer or a UUID"
 * (`oneOf` / `anyOf` with an integer alternative) still accepts the enumerable integers.
 */
export const integerId: AuditRule = {
  id: "integer-id",
  items: ["PROC-03"],
  severity: "medium",
  title: "Sequential integer identifier",
  tags: ["authorization", "identifiers"],
  looksFor:
    "Path identifiers typed integer (or a oneOf / anyOf with an integer alternative): sequential ids can be enumerated by changing a number.",
  example:
    "paths:\n  /orders/{id}:\n    parameters:\n      - { name: id, in: path, required: true, schema: { type: integer } }",
  fix: "Use unpredictable identifiers (UUIDv4 / random 128-bit) in URLs, and check ownership anyway.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const op of operations)
      for (const p of op.parameters) {
        if (p.in !== "path" || !p.schema || !p.schemaPointer || !isIdName(p.name)) continue;
        if (!mayBeInteger(doc, p.schemaPointer)) continue;
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

/** True when the schema, or one of its `oneOf` / `anyOf` alternatives, is an integer. */
function mayBeInteger(doc: LoadedDocument, pointer: string): boolean {
  const schema = asObject(doc.resolve(pointer));
  if (!schema) return false;
  if (typesOf(schema).includes("integer")) return true;
  for (const combinator of ["oneOf", "anyOf"]) {
    const list = schema[combinator];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const alternative = asObject(doc.resolve(childPointer(pointer, combinator, i)));
      if (alternative && typesOf(alternative).includes("integer")) return true;
    }
  }
  return false;
}
