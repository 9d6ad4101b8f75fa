import { normaliseName, PAGING_NAME } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { asObject, type Obj, typesOf } from "../schemas.js";

const WRAPPER =
  /^(?:items|data|results|records|entries|content|values|list|elements|nodes|edges|rows|hits)$/;

/**
 * PROC-07 / EXT-06: a GET that returns a whole collection without paging grows with the data:
 * slow responses, memory spikes and an easy denial of service (API4:2023).
 */
export const unpaginatedCollection: AuditRule = {
  id: "unpaginated-collection",
  items: ["PROC-07", "EXT-06"],
  severity: "low",
  title: "Collection without pagination",
  tags: ["processing", "availability"],
  looksFor:
    "GET operations on a collection whose 200 response is an array of objects (or wraps one in data / items / results) without maxItems and without any paging parameter.",
  example:
    'paths:\n  /orders:\n    get:\n      responses:\n        "200":\n          content:\n            application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Order" } } }',
  fix: "Page collections (limit + cursor or offset) with a capped page size, and document the paging parameters.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      if (op.method !== "get") continue;
      const last = op.path.split("/").filter(Boolean).at(-1) ?? "";
      if (last.startsWith("{") || last.includes(".")) continue; // one resource, or a file
      if (op.parameters.some((p) => p.in === "query" && PAGING_NAME.test(normaliseName(p.name))))
        continue;
      const ok = op.responses["200"] ?? op.responses["206"];
      const media = ok?.content.find((m) => /json|xml|yaml/i.test(m.mediaType));
      if (!media?.schema || !media.schemaPointer) continue;
      const collection = collectionOf(doc.resolve.bind(doc), media.schema, media.schemaPointer);
      if (!collection) continue;
      hits.push({
        pointer: op.pointer,
        detail: `GET ${op.path} returns a list (${collection}) without any paging parameter.`,
        evidence: `query parameters: ${
          op.parameters
            .filter((p) => p.in === "query")
            .map((p) => p.name)
            .join(", ") || "none"
        }`,
      });
    }
    return hits;
  },
};

/** Names the array of resources a response schema is, if it is one. */
function collectionOf(
  resolve: (pointer: string) => unknown,
  schema: Obj,
  pointer: string,
): string | undefined {
  const isResourceArray = (s: Obj | undefined, at: string): boolean => {
    if (!s || !typesOf(s).includes("array")) return false;
    if (s.maxItems !== undefined) return false;
    const items = asObject(resolve(`${at}/items`));
    return (
      items !== undefined && (typesOf(items).includes("object") || items.properties !== undefined)
    );
  };
  if (isResourceArray(schema, pointer)) return "a top-level array";
  const properties = asObject(schema.properties) ?? {};
  for (const name of Object.keys(properties)) {
    if (!WRAPPER.test(normaliseName(name))) continue;
    const at = `${pointer}/properties/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (isResourceArray(asObject(resolve(at)), at)) return `property "${name}"`;
  }
  return undefined;
}
