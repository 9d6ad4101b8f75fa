import { childPointer } from "../../openapi/pointer.js";
import type { LoadedDocument } from "../../openapi/types.js";

/** A JSON Schema (2020-12) as ajv compiles it. */
export type JsonSchema = { [key: string]: unknown } | boolean;

/** Which way a schema is read: `readOnly` binds requests, `writeOnly` binds responses. */
export type Direction = "request" | "response";

/** A pattern of the document, where it is (for a ReDoS refusal that names its place). */
export interface FoundPattern {
  readonly source: string;
  readonly pointer: string | undefined;
}

/** The keyword the request direction puts in place of a `readOnly` property's schema. */
export const READ_ONLY_KEYWORD = "x-rampart-read-only";

// Keywords whose value is one schema, a map of schemas, or a list of schemas (JSON Schema
// 2020-12 core and applicator vocabularies); everything else is data and is copied as it is.
const ONE = new Set([
  "items",
  "additionalItems",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "not",
  "contains",
  "propertyNames",
  "if",
  "then",
  "else",
]);
const MAP = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
]);
const LIST = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
// Annotations of OpenAPI that are no JSON Schema keywords (ajv runs in non-strict mode anyway).
const DROPPED = new Set([
  "nullable",
  "x-nullable",
  "discriminator",
  "xml",
  "example",
  "$schema",
  "$id",
]);

/**
 * Turns an OpenAPI schema (2.0, 3.0 or 3.1) into one self-contained JSON Schema 2020-12 for
 * ajv: every `$ref` (local or across files, as the loader follows them) becomes a `$defs` entry
 * named once per target, so that recursive schemas stay finite; 3.0's `nullable` and boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become their 2020-12 forms; 2.0's `type: file` accepts
 * anything. In the request direction a `readOnly` property fails validation when present and is
 * no longer required (OpenAPI 3.1 4.8.24.4: read-only properties are not sent by clients).
 * Every `pattern` met is reported to `patterns`.
 *
 * @example
 * ```ts
 * const schema = toJsonSchema(doc, "/paths/~1users/post/requestBody/content/application~1json/schema", undefined, "request", []);
 * ```
 */
export function toJsonSchema(
  doc: LoadedDocument,
  pointer: string | undefined,
  value: unknown,
  direction: Direction,
  patterns: FoundPattern[],
): JsonSchema {
  const names = new Map<object, string>();
  const defs: Record<string, JsonSchema> = {};
  const legacy = doc.version !== "3.1";

  const at = (p: string | undefined): unknown => (p === undefined ? undefined : doc.resolve(p));

  const refTo = (raw: Record<string, unknown>, p: string | undefined): JsonSchema => {
    const target = at(p);
    if (typeof target !== "object" || target === null) return true; // unresolvable: the loader said so
    let name = names.get(target);
    if (name === undefined) {
      name = `d${names.size}`;
      names.set(target, name);
      defs[name] = true; // placeholder: a cycle reaching it again gets the reference
      defs[name] = convert(target, p);
    }
    // 3.1 allows keywords beside $ref; 3.0 ignores them (its $ref replaces the object).
    const siblings = Object.keys(raw).filter((k) => k !== "$ref");
    if (legacy || siblings.length === 0) return { $ref: `#/$defs/${name}` };
    const rest = Object.fromEntries(siblings.map((k) => [k, raw[k]]));
    return { allOf: [{ $ref: `#/$defs/${name}` }, convert(rest, undefined)] };
  };

  const child = (raw: unknown, p: string | undefined): JsonSchema => {
    if (typeof raw === "boolean") return raw;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return true;
    const obj = raw as Record<string, unknown>;
    if (typeof obj.$ref === "string") return refTo(obj, p);
    return convert(obj, p);
  };

  function convert(raw: unknown, p: string | undefined): JsonSchema {
    if (typeof raw === "boolean") return raw;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return true;
    const node = raw as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const sub = (...keys: (string | number)[]) =>
      p === undefined ? undefined : childPointer(p, ...keys);
    for (const [key, v] of Object.entries(node)) {
      if (DROPPED.has(key) || key.startsWith("x-") || key === "$ref") continue;
      if (ONE.has(key)) {
        // 2019 tuples ("items": [...]) are prefixItems in 2020-12.
        if (key === "items" && Array.isArray(v))
          out.prefixItems = v.map((s, i) => child(s, sub(key, i)));
        else out[key] = child(v, sub(key));
      } else if (MAP.has(key) && typeof v === "object" && v !== null) {
        const map: Record<string, JsonSchema> = {};
        for (const [name, s] of Object.entries(v)) map[name] = child(s, sub(key, name));
        out[key === "definitions" ? "$defs" : key] = map;
      } else if (LIST.has(key) && Array.isArray(v)) {
        out[key] = v.map((s, i) => child(s, sub(key, i)));
      } else out[key] = v;
    }
    if (typeof node.pattern === "string")
      patterns.push({ source: node.pattern, pointer: sub("pattern") });
    if (legacy) legacyKeywords(node, out);
    if (node.type === "file") delete out.type;
    if (direction === "request")
      readOnlyInRequests(node, out, (name, s) => {
        const target = p === undefined ? s : doc.resolve(childPointer(p, "properties", name));
        return (
          (s as { readOnly?: unknown }).readOnly === true ||
          (typeof target === "object" &&
            (target as { readOnly?: unknown } | null)?.readOnly === true)
        );
      });
    return out;
  }

  const root = child(value ?? at(pointer), pointer);
  if (typeof root === "boolean" || names.size === 0) return root;
  return { ...root, $defs: { ...((root.$defs as object | undefined) ?? {}), ...defs } };
}

/** 3.0 / 2.0 keywords in their JSON Schema 2020-12 form. */
function legacyKeywords(node: Record<string, unknown>, out: Record<string, unknown>): void {
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (node[flag] === true && typeof node[bound] === "number") {
      out[flag] = node[bound];
      delete out[bound];
    } else if (typeof node[flag] === "boolean") delete out[flag];
  }
  if ((node.nullable === true || node["x-nullable"] === true) && out.type !== undefined) {
    const types = Array.isArray(out.type) ? out.type : [out.type];
    if (!types.includes("null")) out.type = [...types, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
}

/** A `readOnly` property may not appear in a request, and is not required there. */
function readOnlyInRequests(
  node: Record<string, unknown>,
  out: Record<string, unknown>,
  isReadOnly: (name: string, schema: object) => boolean,
): void {
  const properties = node.properties;
  if (typeof properties !== "object" || properties === null) return;
  const readOnly: string[] = [];
  for (const [name, s] of Object.entries(properties))
    if (typeof s === "object" && s !== null && isReadOnly(name, s)) readOnly.push(name);
  if (readOnly.length === 0) return;
  const props = out.properties as Record<string, JsonSchema>;
  for (const name of readOnly) props[name] = { [READ_ONLY_KEYWORD]: true };
  if (Array.isArray(out.required))
    out.required = out.required.filter((r) => !readOnly.includes(r as string));
}
