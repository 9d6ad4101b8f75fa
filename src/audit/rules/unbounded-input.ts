import { normaliseName, PAGE_SIZE_NAME } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { requestSchemaPointers, type SchemaNode, typesOf, walkSchema } from "../schemas.js";

// Formats whose values have an inherent length bound.
const BOUNDED_FORMATS = new Set([
  "uuid",
  "date",
  "date-time",
  "time",
  "ipv4",
  "ipv6",
  "int32",
  "int64",
  "byte",
  "binary",
  "email",
  "hostname",
  "duration",
]);

/** What is unbounded in a schema node, if anything. */
export function unboundedKeywords(schema: Readonly<Record<string, unknown>>): string[] {
  if (schema.enum !== undefined || schema.const !== undefined) return [];
  const types = typesOf(schema);
  const missing: string[] = [];
  if (types.includes("string")) {
    const format = typeof schema.format === "string" ? schema.format : "";
    if (
      schema.maxLength === undefined &&
      !BOUNDED_FORMATS.has(format) &&
      schema.pattern === undefined
    )
      missing.push("maxLength");
  }
  if (types.includes("array") && schema.maxItems === undefined) missing.push("maxItems");
  if (
    (types.includes("integer") || types.includes("number")) &&
    schema.maximum === undefined &&
    schema.exclusiveMaximum === undefined
  )
    missing.push("maximum");
  return missing;
}

/**
 * IN-04 / EXT-06: strings, arrays and numbers of request inputs without bounds. Each field is
 * documentation at most (a body size limit may still hold), so: info, one finding per field,
 * except page sizes, which decide how much work one request causes: medium.
 */
export const unboundedInput: AuditRule = {
  id: "unbounded-input",
  items: ["IN-04", "EXT-06"],
  severity: "info",
  title: "Request input without bounds",
  fix: "Bound every input: maxLength (or a bounded format or pattern) on strings, maxItems on arrays, maximum on numbers.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    const report = (node: SchemaNode, label: string, pageSize: boolean): void => {
      const missing = unboundedKeywords(node.schema);
      if (missing.length === 0) return;
      hits.push({
        pointer: node.pointer,
        ...(pageSize && missing.includes("maximum")
          ? {
              severity: "medium" as const,
              fix: "Cap the page size with maximum (and enforce it: answer 400 or clamp).",
            }
          : {}),
        detail: `${label} has no ${missing.join(", ")}.`,
      });
    };
    for (const op of operations) {
      for (const param of op.parameters) {
        if (!param.schemaPointer) continue;
        const pageSize = param.in === "query" && PAGE_SIZE_NAME.test(normaliseName(param.name));
        walkSchema(doc, param.schemaPointer, seen, (node) => {
          if (node.name === undefined && node.pointer === param.schemaPointer)
            report(node, `${param.in} parameter "${param.name}"`, pageSize);
        });
      }
      for (const pointer of requestSchemaPointers(op))
        walkSchema(doc, pointer, seen, (node) => {
          if (node.name !== undefined) report(node, `Request property "${node.name}"`, false);
          else if (node.pointer === pointer && typesOf(node.schema).includes("array"))
            report(node, "Request body array", false);
        });
    }
    return hits;
  },
};
