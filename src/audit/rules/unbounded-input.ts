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

// A bound stated in prose: "max 100", "between 1 and 100", "1 - 1000", "no larger than 1000".
const STATED_MAXIMUM =
  /\b(?:max(?:imum)?(?: of| is)?:? ?\(?(\d+)|between \d+ ?(?:and|-|to) ?(\d+)|up to (\d+)|at most (\d+)|no (?:larger|greater|more) than (\d+))/i;

/** The maximum a description states, if any. */
export function statedMaximum(description: string | undefined): string | undefined {
  const match = STATED_MAXIMUM.exec(description ?? "");
  return match?.slice(1).find((n) => n !== undefined);
}

/**
 * IN-04 / EXT-06: strings, arrays and numbers of request inputs without bounds. Each field is
 * documentation at most (a body size limit may still hold), so: info, one finding per field,
 * except page sizes, which decide how much work one request causes: medium (low when the
 * description states the maximum the server enforces: only the schema keyword is missing).
 */
export const unboundedInput: AuditRule = {
  id: "unbounded-input",
  items: ["IN-04", "EXT-06"],
  severity: "info",
  title: "Request input without bounds",
  tags: ["input", "availability"],
  looksFor:
    "Request parameters and body fields without bounds: strings without maxLength (or a bounded format or pattern), arrays without maxItems, numbers without maximum; an uncapped page size is medium.",
  example: "parameters:\n  - name: limit\n    in: query\n    schema: { type: integer }",
  fix: "Bound every input: maxLength (or a bounded format or pattern) on strings, maxItems on arrays, maximum on numbers.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    const report = (node: SchemaNode, label: string, pageSize: boolean, stated?: string): void => {
      const missing = unboundedKeywords(node.schema);
      if (missing.length === 0) return;
      const capped = pageSize && missing.includes("maximum");
      hits.push({
        pointer: node.pointer,
        ...(capped && stated !== undefined
          ? {
              severity: "low" as const,
              fix: `The description states a maximum of ${stated}: declare it (maximum: ${stated}) so that clients, gateways and tests enforce it too.`,
            }
          : capped
            ? {
                severity: "medium" as const,
                fix: "Cap the page size with maximum (and enforce it: answer 400 or clamp).",
              }
            : {}),
        detail: `${label} has no ${missing.join(", ")}${capped && stated !== undefined ? ` (its description states ${stated})` : ""}.`,
      });
    };
    for (const op of operations) {
      for (const param of op.parameters) {
        if (!param.schemaPointer) continue;
        const pageSize = param.in === "query" && PAGE_SIZE_NAME.test(normaliseName(param.name));
        walkSchema(doc, param.schemaPointer, seen, (node) => {
          if (node.name === undefined && node.pointer === param.schemaPointer)
            report(
              node,
              `${param.in} parameter "${param.name}"`,
              pageSize,
              statedMaximum(param.description),
            );
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
