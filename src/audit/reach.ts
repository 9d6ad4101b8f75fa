import { childPointer, segmentsOf, valueAt } from "../openapi/pointer.js";
import type { LoadedDocument, Operation } from "../openapi/types.js";

/**
 * Which operations a node of the document bears on: the operation it sits in, every operation of
 * a path item it sits in (path-level parameters), or every operation that reaches it through
 * local `$ref`s (a shared schema). Empty for nodes no operation reaches (servers, security
 * schemes, the document as a whole): those bear on the whole API.
 *
 * @example
 * ```ts
 * const reach = operationReach(doc, listOperations(doc));
 * reach("/components/schemas/User/properties/password"); // ["/paths/~1users/get", ...]
 * ```
 */
export function operationReach(
  doc: LoadedDocument,
  operations: readonly Operation[],
): (pointer: string) => readonly string[] {
  const ops = new Set(operations.map((op) => op.pointer));
  const byPath = new Map<string, string[]>();
  for (const op of operations) {
    const path = childPointer("/paths", op.path);
    byPath.set(path, [...(byPath.get(path) ?? []), op.pointer]);
  }
  let reachers: Map<string, Set<string>> | undefined;
  return (pointer) => {
    let segments: string[];
    try {
      segments = segmentsOf(pointer);
    } catch {
      return [];
    }
    if (segments[0] === "paths" && segments[1] !== undefined) {
      const path = childPointer("/paths", segments[1]);
      if (segments[2] !== undefined) {
        const op = childPointer(path, segments[2]);
        if (ops.has(op)) return [op];
      }
      return byPath.get(path) ?? [];
    }
    reachers ??= referenceIndex(doc, operations);
    const found = new Set<string>();
    for (let n = segments.length; n > 0; n--) {
      const at = reachers.get(`/${segments.slice(0, n).map(escapeSegment).join("/")}`);
      if (at) for (const op of at) found.add(op);
    }
    return [...found];
  };
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** For every local `$ref` target: the operations that reach it, directly or through others. */
function referenceIndex(
  doc: LoadedDocument,
  operations: readonly Operation[],
): Map<string, Set<string>> {
  const direct = new Map<string, readonly string[]>();
  const refsOf = (target: string): readonly string[] => {
    let refs = direct.get(target);
    if (refs === undefined) {
      let segments: string[] = [];
      try {
        segments = segmentsOf(target);
      } catch {
        // A malformed target reaches nothing further.
      }
      refs = collectRefs(valueAt(doc.raw, segments));
      direct.set(target, refs);
    }
    return refs;
  };
  const reachers = new Map<string, Set<string>>();
  for (const op of operations) {
    const path = childPointer("/paths", op.path);
    const start = [
      ...collectRefs(valueAt(doc.raw, segmentsOf(op.pointer))),
      ...collectRefs(valueAt(doc.raw, segmentsOf(childPointer(path, "parameters")))),
    ];
    const seen = new Set<string>();
    const queue = [...start];
    while (queue.length > 0) {
      const target = queue.pop() as string;
      if (seen.has(target)) continue;
      seen.add(target);
      const set = reachers.get(target) ?? new Set<string>();
      reachers.set(target, set);
      set.add(op.pointer);
      for (const next of refsOf(target)) if (!seen.has(next)) queue.push(next);
    }
  }
  return reachers;
}

/** The local `$ref` targets (JSON pointers of the root document) anywhere under a node. */
function collectRefs(node: unknown): string[] {
  const out: string[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string") {
        if (v.startsWith("#")) out.push(decode(v.slice(1)));
      } else stack.push(v);
    }
  }
  return out;
}

function decode(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
