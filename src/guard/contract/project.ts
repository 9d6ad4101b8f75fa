import type { JsonSchema } from "./dialect.js";
import { keepsAll, type NameIndex, nameIndex } from "./project-text.js";

/** A (response) schema compiled for projection. */
export interface Projection {
  /** Removes from a JSON value (in place) what the schema does not declare; the pointers. */
  readonly project: (value: unknown) => string[];
  /**
   * True when the JSON text (UTF-8), parsed, would lose nothing to `project`: told from the
   * bytes, without building the value (false: parse it and project).
   */
  readonly keepsAll: (body: Buffer) => boolean;
}

/**
 * Compiles a (response) schema into a projector that removes from a JSON value what the schema
 * does not declare: object properties outside `properties` and `patternProperties` when the
 * schema lists properties and does not open itself with `additionalProperties`, and every
 * `writeOnly` property. Composition is read generously: a property declared by any branch of
 * `allOf`, `anyOf` or `oneOf` is kept, with each declaring branch applied to it in turn (a
 * `oneOf` document is not validated, only projected). Schemas that declare no properties at all
 * (`type: object`) keep everything. The schema is compiled once (recursive schemas included);
 * a projection allocates only for what it removes.
 *
 * @example
 * ```ts
 * const user = compileProjection({ type: "object", properties: { id: { type: "integer" } } }, {});
 * user.keepsAll(Buffer.from('{"id":1}')); // true
 * user.project({ id: 1, passwordHash: "$2b$..." }); // ["/passwordHash"]
 * ```
 */
export function compileProjection(
  schema: JsonSchema,
  defs: Readonly<Record<string, JsonSchema>>,
  patterns: ReadonlyMap<string, RegExp> = new Map(),
): Projection {
  const compiled = new Map<unknown, ProjectionNode>();
  const root = nodeOf(schema);
  for (const node of compiled.values()) node.names = nameIndex(node);
  return {
    project(value) {
      const removed: string[] = [];
      if (root) walk(root, value, [], removed, 0);
      return removed;
    },
    keepsAll: (body) => keepsAll(root, body),
  };

  /** The node of a schema; undefined for a boolean schema (nothing to project). */
  function nodeOf(s: JsonSchema): ProjectionNode | undefined {
    if (typeof s !== "object") return undefined;
    // A schema being compiled (a recursive one) is returned as it is: it is complete before
    // any value is walked.
    const known = compiled.get(s);
    if (known) return known;
    const node: ProjectionNode = {
      items: [],
      properties: new Map(),
      writeOnly: new Set(),
      open: [],
      patterns: [],
      listsProperties: false,
    };
    compiled.set(s, node);
    let opened = false;
    for (const branch of flatten(s, defs)) {
      if (branch.items !== undefined) {
        const item = nodeOf(branch.items as JsonSchema);
        if (item) node.items.push(item);
      }
      const properties = branch.properties as Record<string, JsonSchema> | undefined;
      if (properties) {
        node.listsProperties = true;
        for (const [name, p] of Object.entries(properties)) {
          if (flatten(p, defs).some((b) => b.writeOnly === true)) node.writeOnly.add(name);
          const list = node.properties.get(name) ?? [];
          const child = nodeOf(p);
          if (child) list.push(child);
          node.properties.set(name, list);
        }
      }
      const patternProperties = branch.patternProperties as Record<string, JsonSchema> | undefined;
      if (patternProperties) {
        node.listsProperties = true;
        for (const [source, p] of Object.entries(patternProperties))
          node.patterns.push([patterns.get(source) ?? new RegExp(source, "u"), nodeOf(p)]);
      }
      const extra = branch.additionalProperties;
      if (extra !== undefined && extra !== false) {
        opened = true;
        const child = nodeOf(extra as JsonSchema);
        if (child) node.open.push(child);
      }
    }
    // Free-form objects (no properties listed) and explicitly open ones keep unknown members.
    node.keepUnknown = opened || !node.listsProperties;
    return node;
  }
}

/** One schema compiled for projection (shared with the text scan in project-text.ts). */
export interface ProjectionNode {
  readonly items: ProjectionNode[];
  /** Declared properties, each with the nodes of the schemas that declare it. */
  readonly properties: Map<string, ProjectionNode[]>;
  readonly writeOnly: Set<string>;
  /** Nodes of `additionalProperties` schemas, applied to members nothing else declares. */
  readonly open: ProjectionNode[];
  readonly patterns: [RegExp, ProjectionNode | undefined][];
  listsProperties: boolean;
  keepUnknown?: boolean;
  /** The declared names as bytes, for the text scan (set once the schema is compiled). */
  names?: NameIndex;
}

function walk(
  node: ProjectionNode,
  data: unknown,
  at: string[],
  removed: string[],
  depth: number,
): void {
  // Nesting was bounded on the way in (json.maxDepth); a deeper response is left as it is.
  if (depth > 256 || typeof data !== "object" || data === null) return;
  if (Array.isArray(data)) {
    if (node.items.length === 0) return;
    for (let i = 0; i < data.length; i++) {
      at.push(String(i));
      for (const item of node.items) walk(item, data[i], at, removed, depth + 1);
      at.pop();
    }
    return;
  }
  if (!node.listsProperties && node.open.length === 0) return;
  const record = data as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    at.push(key);
    const children = memberOf(node, key);
    if (children === undefined) {
      delete record[key];
      removed.push(pointer(at));
    } else for (const child of children) walk(child, record[key], at, removed, depth + 1);
    at.pop();
  }
}

/**
 * The nodes that apply to the value of member `name` of an object under `node`, or undefined
 * when the member is removed: `writeOnly`, or declared by nothing while the node is closed.
 * One decision for the walk below and for the text scan (project-text.ts).
 */
export function memberOf(
  node: ProjectionNode,
  name: string,
): readonly ProjectionNode[] | undefined {
  if (!node.listsProperties && node.open.length === 0) return NONE;
  if (node.writeOnly.has(name)) return undefined;
  const declared = node.properties.get(name);
  if (declared !== undefined) return declared;
  let matched: ProjectionNode[] | undefined;
  for (const [re, child] of node.patterns)
    if (re.test(name)) {
      matched ??= [];
      if (child) matched.push(child);
    }
  if (matched) return matched;
  return node.keepUnknown ? node.open : undefined;
}

const NONE: readonly ProjectionNode[] = [];

/** A JSON pointer (RFC 6901) of the path walked so far. */
function pointer(at: readonly string[]): string {
  let out = "";
  for (const s of at) out += `/${s.replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return out;
}

/**
 * Removes from a JSON value what its (response) schema does not declare, in place; returns the
 * JSON pointers of what was removed. {@link compileProjection} once, for many values.
 *
 * @example
 * ```ts
 * project({ type: "object", properties: { id: { type: "integer" } } }, { id: 1, hash: "x" }, {}); // ["/hash"]
 * ```
 */
export function project(
  schema: JsonSchema,
  value: unknown,
  defs: Readonly<Record<string, JsonSchema>>,
  patterns: ReadonlyMap<string, RegExp> = new Map(),
): string[] {
  return compileProjection(schema, defs, patterns).project(value);
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
