import { isLoopbackHost } from "../core/loopback.js";
import { childPointer } from "../openapi/pointer.js";
import type { LoadedDocument, Operation } from "../openapi/types.js";

export type Obj = Readonly<Record<string, unknown>>;

/** One schema node met while walking a schema, `$ref`s followed. */
export interface SchemaNode {
  /** Pointer in the root document (through the first path that reached the node). */
  readonly pointer: string;
  /** `file#pointer` of the node where it is written: the same for every path reaching it. */
  readonly key: string;
  readonly schema: Obj;
  /** The property name, when the node is the value of `properties/<name>`. */
  readonly name?: string;
  /** The object schema holding the property, when `name` is set. */
  readonly parent?: Obj;
  /** `file#pointer` of that object schema, where it is written. */
  readonly parentKey?: string;
}

const MAX_DEPTH = 32;

/**
 * Visits a schema and its sub-schemas (properties, items, additionalProperties, allOf / anyOf /
 * oneOf), each written node once per `seen` set: a schema shared by 40 operations is visited
 * once, and recursive schemas end.
 *
 * @example
 * ```ts
 * const seen = new Set<string>();
 * walkSchema(doc, "/components/schemas/User", seen, (node) => console.log(node.name));
 * ```
 */
export function walkSchema(
  doc: LoadedDocument,
  pointer: string,
  seen: Set<string>,
  visit: (node: SchemaNode) => void,
): void {
  const step = (
    at: string,
    depth: number,
    name?: string,
    parent?: Obj,
    parentKey?: string,
  ): void => {
    if (depth > MAX_DEPTH) return;
    const schema = asObject(doc.resolve(at));
    if (!schema) return;
    const where = doc.locate(at);
    const key = where ? `${where.file}#${where.pointer}` : at;
    if (seen.has(key)) return;
    seen.add(key);
    visit({ pointer: at, key, schema, ...(name !== undefined ? { name, parent, parentKey } : {}) });
    const properties = asObject(schema.properties);
    for (const prop of Object.keys(properties ?? {}))
      step(childPointer(at, "properties", prop), depth + 1, prop, schema, key);
    if (asObject(schema.items)) step(childPointer(at, "items"), depth + 1);
    if (asObject(schema.additionalProperties))
      step(childPointer(at, "additionalProperties"), depth + 1);
    for (const combinator of ["allOf", "anyOf", "oneOf"]) {
      const list = schema[combinator];
      if (Array.isArray(list))
        for (let i = 0; i < list.length; i++) step(childPointer(at, combinator, i), depth + 1);
    }
  };
  step(pointer, 0);
}

/** The schema pointers of an operation's request bodies (every media type). */
export function requestSchemaPointers(op: Operation): string[] {
  const out: string[] = [];
  for (const media of op.requestBody?.content ?? [])
    if (media.schemaPointer && !out.includes(media.schemaPointer)) out.push(media.schemaPointer);
  return out;
}

/** The schema pointers of an operation's responses, optionally only successful ones. */
export function responseSchemaPointers(op: Operation, successOnly = false): string[] {
  const out: string[] = [];
  for (const [status, response] of Object.entries(op.responses)) {
    if (successOnly && !/^2/.test(status)) continue;
    for (const media of response.content)
      if (media.schemaPointer && !out.includes(media.schemaPointer)) out.push(media.schemaPointer);
  }
  return out;
}

/** The type(s) a schema declares, as a list (`type: [string, "null"]` in 3.1). */
export function typesOf(schema: Obj): string[] {
  const type = schema.type;
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === "string");
  return [];
}

export function asObject(value: unknown): Obj | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Obj)
    : undefined;
}

/** A short one-line excerpt of a node for evidence. */
export function excerpt(value: unknown, max = 160): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** True for a URL whose host is loopback or localhost (a development server). */
export function isLoopbackUrl(url: string): boolean {
  const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)/i.exec(url)?.[1] ?? "";
  return isLoopbackHost(host);
}

/** True when a file-like schema has no size bound. */
export function unboundedFile(schema: Obj): boolean {
  return schema.maxLength === undefined && schema.maxContentLength === undefined;
}

/**
 * Visits every node of every request schema (parameters and bodies) of the operations once: a
 * schema shared by many operations is visited, and so reported, at one place.
 *
 * @example
 * ```ts
 * walkRequestSchemas(doc, operations, (node) => { if (node.name === "password") hits.push(...); });
 * ```
 */
export function walkRequestSchemas(
  doc: LoadedDocument,
  operations: readonly Operation[],
  visit: (node: SchemaNode) => void,
): void {
  const seen = new Set<string>();
  for (const op of operations)
    for (const pointer of requestSchemaPointers(op)) walkSchema(doc, pointer, seen, visit);
}

/** `file#pointer` where the node at a pointer is written (the same for every path reaching it). */
export function writtenKey(doc: LoadedDocument, pointer: string): string {
  const where = doc.locate(pointer);
  return where ? `${where.file}#${where.pointer}` : pointer;
}

/**
 * True when a property holds a reference to another object rather than a value of its own: a
 * `$ref` to an object, or an id-or-object alternative (`anyOf: [string, $ref]`, Stripe's
 * expandable fields, Kubernetes' `secret: SecretVolumeSource`).
 */
export function isObjectReference(doc: LoadedDocument, node: SchemaNode): boolean {
  if (typesOf(node.schema).includes("object") || asObject(node.schema.properties)) return true;
  for (const combinator of ["anyOf", "oneOf"]) {
    const list = node.schema[combinator];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const alternative = asObject(doc.resolve(childPointer(node.pointer, combinator, i)));
      if (alternative && (typesOf(alternative).includes("object") || alternative.properties))
        return true;
    }
  }
  return false;
}

/** True for the shape of an identifier: a pattern, or a fixed length (Twilio's 34-char sids). */
export function looksLikeIdentifier(schema: Obj): boolean {
  return (
    typeof schema.pattern === "string" ||
    (typeof schema.minLength === "number" && schema.minLength === schema.maxLength)
  );
}
