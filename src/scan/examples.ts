/**
 * Example values derived from JSON Schemas: the declared example or default first, then the first
 * enum value, then a plausible value of the type and format. Bounded in depth and size: a scan
 * needs a well-formed value, not a realistic one.
 *
 * @example
 * ```ts
 * exampleValue({ type: "object", properties: { quantity: { type: "integer", minimum: 1 } }, required: ["quantity"] });
 * // { quantity: 1 }
 * ```
 *
 * `deref` turns a `{ $ref }` into the schema it names (the document's own resolution); without
 * it a reference has no example. `optional` fills the optional properties too.
 */
export type Deref = (schema: unknown) => unknown;

export function exampleValue(
  given: unknown,
  depth = 0,
  deref: Deref = (schema) => schema,
  optional = false,
): unknown {
  const schema = deref(given);
  if (!isObject(schema) || depth > 6) return null;
  if ("example" in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ("default" in schema) return schema.default;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ["allOf", "oneOf", "anyOf"] as const) {
    const list = schema[key];
    if (Array.isArray(list) && list.length > 0) {
      if (key !== "allOf") return exampleValue(list[0], depth + 1, deref, optional);
      return Object.assign(
        {},
        ...list.map((s) => exampleValue(s, depth + 1, deref, optional)).filter(isObject),
      );
    }
  }
  const type = Array.isArray(schema.type)
    ? schema.type.find((t) => t !== "null")
    : (schema.type ?? (isObject(schema.properties) ? "object" : undefined));
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const props = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : Object.keys(props);
      for (const name of Object.keys(props).slice(0, 20)) {
        if (optional || required.includes(name))
          out[name] = exampleValue(props[name], depth + 1, deref, optional);
      }
      return out;
    }
    case "array":
      return [exampleValue(schema.items, depth + 1, deref, optional)];
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return false;
    case "string":
      return exampleString(schema);
    default:
      return null;
  }
}

function exampleString(schema: Record<string, unknown>): string {
  switch (schema.format) {
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
    case "date":
      return "2024-01-01";
    case "date-time":
      return "2024-01-01T00:00:00Z";
    case "email":
      return "user@example.test";
    case "uri":
    case "url":
      return "https://example.test/";
    default: {
      const min = typeof schema.minLength === "number" ? schema.minLength : 0;
      return "example".padEnd(Math.min(Math.max(min, 7), 64), "x");
    }
  }
}

/** A value for a path or query parameter, as a string. */
export function exampleParameter(schema: unknown, example: unknown, deref?: Deref): string {
  const value = example !== undefined ? example : exampleValue(schema, 0, deref);
  if (value === null || value === undefined) return "1";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
