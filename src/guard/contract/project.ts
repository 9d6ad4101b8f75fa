import type { JsonSchema } from "./dialect.js";

/**
 * Removes from a JSON value what its (response) schema does not declare: object properties
 * outside `properties` and `patternProperties` when the schema lists properties and does not
 * open itself with `additionalProperties`, and every `writeOnly` property. Composition is read
 * generously: a property declared by any branch of `allOf`, `anyOf` or `oneOf` is kept, with
 * each declaring branch applied to it in turn (a `oneOf` document is not validated, only
 * projected). Schemas that declare no properties at all (`type: object`) keep everything.
 * Returns the JSON pointers of what was removed; `value` is edited in place.
 *
 * @example
 * ```ts
 * const user = { id: 1, passwordHash: "$2b$..." };
 * project({ type: "object", properties: { id: { type: "integer" } } }, user, {}); // ["/passwordHash"]
 * ```
 */
export function project(
  schema: JsonSchema,
  value: unknown,
  defs: Readonly<Record<string, JsonSchema>>,
  patterns: ReadonlyMap<string, RegExp> = new Map(),
): string[] {
  const removed: string[] = [];
  walk(schema, value, "", 0);
  return removed;

  function walk(raw: JsonSchema, data: unknown, at: string, depth: number): void {
    // Nesting was bounded on the way in (json.maxDepth); a deep response is left as it is.
    if (depth > 256 || typeof data !== "object" || data === null) return;
    const branches = flatten(raw, defs);
    if (Array.isArray(data)) {
      const items = branches.flatMap((s) => (s.items !== undefined ? [s.items as JsonSchema] : []));
      if (items.length === 0) return;
      for (let i = 0; i < data.length; i++)
        for (const item of items) walk(item, data[i], `${at}/${i}`, depth + 1);
      return;
    }
    const record = data as Record<string, unknown>;
    const declared = new Map<string, JsonSchema[]>();
    const open: JsonSchema[] = [];
    const patternSchemas: [RegExp, JsonSchema][] = [];
    let listsProperties = false;
    for (const s of branches) {
      const properties = s.properties as Record<string, JsonSchema> | undefined;
      if (properties) {
        listsProperties = true;
        for (const [name, p] of Object.entries(properties)) {
          const list = declared.get(name) ?? [];
          list.push(p);
          declared.set(name, list);
        }
      }
      const patternProperties = s.patternProperties as Record<string, JsonSchema> | undefined;
      if (patternProperties) {
        listsProperties = true;
        for (const [source, p] of Object.entries(patternProperties)) {
          const re = patterns.get(source) ?? new RegExp(source, "u");
          patternSchemas.push([re, p]);
        }
      }
      const extra = s.additionalProperties;
      if (extra !== undefined && extra !== false) open.push(extra as JsonSchema);
    }
    if (!listsProperties && open.length === 0) return;
    for (const key of Object.keys(record)) {
      const path = `${at}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      const own = declared.get(key);
      const byPattern = patternSchemas.filter(([re]) => re.test(key)).map(([, p]) => p);
      const schemas = [...(own ?? []), ...byPattern];
      if (schemas.length === 0) {
        if (open.length === 0) {
          delete record[key];
          removed.push(path);
        } else for (const s of open) walk(s, record[key], path, depth + 1);
        continue;
      }
      if (schemas.some((s) => flatten(s, defs).some((b) => b.writeOnly === true))) {
        delete record[key];
        removed.push(path);
        continue;
      }
      for (const s of schemas) walk(s, record[key], path, depth + 1);
    }
  }
}

/** The object schemas that apply together: `$ref`s followed, `allOf`/`anyOf`/`oneOf` spread. */
function flatten(
  schema: JsonSchema,
  defs: Readonly<Record<string, JsonSchema>>,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const seen = new Set<unknown>();
  const visit = (s: JsonSchema): void => {
    if (typeof s !== "object" || seen.has(s)) return;
    seen.add(s);
    const ref = s.$ref;
    if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
      const target = defs[ref.slice("#/$defs/".length)];
      if (target !== undefined) visit(target);
    }
    out.push(s);
    for (const key of ["allOf", "anyOf", "oneOf"])
      if (Array.isArray(s[key])) for (const b of s[key] as JsonSchema[]) visit(b);
  };
  visit(schema);
  return out;
}
