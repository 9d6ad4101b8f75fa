import { childPointer, segmentsOf } from "../openapi/pointer.js";
import type { LoadedDocument } from "../openapi/types.js";
import { asObject } from "./schemas.js";

/** The inline suppression extension, allowed on any node of the document. */
export const IGNORE_EXTENSION = "x-rampart-ignore";

/** One inline suppression: a rule id and why, or no reason (which suppresses nothing). */
export interface InlineSuppression {
  readonly rule: string;
  readonly reason?: string;
  /** Pointer (root document) of the `x-rampart-ignore` node that declares it. */
  readonly pointer: string;
}

/**
 * Reads the `x-rampart-ignore` extension of one node: a list of `{ rule, reason }` or a map
 * `rule: reason`.
 *
 * @example
 * ```ts
 * // x-rampart-ignore: [{ rule: integer-id, reason: "legacy ids, ownership checked" }]
 * inlineSuppressions(doc, "/paths/~1orders~1{id}");
 * ```
 */
export function inlineSuppressions(doc: LoadedDocument, pointer: string): InlineSuppression[] {
  const node = asObject(doc.resolve(pointer));
  const at = childPointer(pointer, IGNORE_EXTENSION);
  const value = node?.[IGNORE_EXTENSION];
  const out: InlineSuppression[] = [];
  const reasonOf = (r: unknown) =>
    typeof r === "string" && r.trim().length > 0 ? { reason: r.trim() } : {};
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const e = asObject(entry);
      if (e && typeof e.rule === "string")
        out.push({ rule: e.rule, ...reasonOf(e.reason), pointer: childPointer(at, i) });
      else if (typeof entry === "string") out.push({ rule: entry, pointer: childPointer(at, i) });
    });
  } else if (asObject(value)) {
    for (const [rule, reason] of Object.entries(value as object))
      out.push({ rule, ...reasonOf(reason), pointer: childPointer(at, rule) });
  }
  return out;
}

/**
 * The inline suppression of a rule that applies to a node: declared on the node or on any of
 * its ancestors (an operation, a path item, a schema), `$ref`s followed.
 */
export function suppressionFor(
  doc: LoadedDocument,
  pointer: string,
  rule: string,
  cache: Map<string, InlineSuppression[]>,
): InlineSuppression | undefined {
  const segments = segmentsOf(pointer);
  for (let n = segments.length; n >= 0; n--) {
    const at = segments.slice(0, n).reduce((p, s) => childPointer(p, s), "");
    let list = cache.get(at);
    if (!list) {
      list = inlineSuppressions(doc, at);
      cache.set(at, list);
    }
    const found = list.find((s) => s.rule === rule);
    if (found) return found;
  }
  return undefined;
}

/** Every `x-rampart-ignore` entry of the root file (for the check that each has a reason). */
export function allInlineSuppressions(doc: LoadedDocument): InlineSuppression[] {
  const out: InlineSuppression[] = [];
  const seen = new WeakSet<object>();
  const visit = (node: unknown, pointer: string, depth: number): void => {
    if (!node || typeof node !== "object" || seen.has(node) || depth > 64) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        visit(v, childPointer(pointer, i), depth + 1);
      });
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === IGNORE_EXTENSION) out.push(...inlineSuppressions(doc, pointer));
      else if (k !== "example" && k !== "examples") visit(v, childPointer(pointer, k), depth + 1);
    }
  };
  visit(doc.raw, "", 0);
  return out;
}
