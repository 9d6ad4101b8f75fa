import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter } from "yaml";

/**
 * Where the nodes of one parsed file are, indexed once so that looking a pointer up costs the
 * depth of the pointer, not the size of the file (GitHub's REST description is 13 MB).
 */
export interface PositionIndex {
  /** Offset of the node at the segments, or of its nearest existing ancestor. */
  offsetOf(segments: readonly string[]): number | undefined;
  /** 1-based line and column of an offset. */
  lineColumn(offset: number): { line: number; column: number };
  /** The segments of the deepest node starting at or before an offset (JSON texts only). */
  segmentsAt?(offset: number): string[];
}

// A JSON value's start offset: a number for a scalar, with children for containers.
type JsonPos = number | { readonly o: number; readonly k: Map<string, JsonPos> } | JsonArr;
interface JsonArr {
  readonly o: number;
  readonly a: JsonPos[];
}

/**
 * Indexes the positions of a JSON text already known to be valid (`JSON.parse` succeeded), in
 * one linear pass.
 *
 * @example
 * ```ts
 * jsonPositions('{"a": [1, 2]}').offsetOf(["a", "1"]); // 10
 * ```
 */
export function jsonPositions(text: string, maxDepth = 512): PositionIndex {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };
  const skipString = (): boolean => {
    i++;
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
      } else i++;
    }
    i++;
    return escaped;
  };
  const key = (): string => {
    const start = i;
    const escaped = skipString();
    const raw = text.slice(start + 1, i - 1);
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  };
  const value = (depth: number): JsonPos => {
    if (depth > maxDepth) throw new RangeError(`nested deeper than ${maxDepth} levels`);
    ws();
    const start = i;
    const c = text.charCodeAt(i);
    if (c === 123) {
      i++;
      const k = new Map<string, JsonPos>();
      ws();
      if (text.charCodeAt(i) === 125) {
        i++;
        return { o: start, k };
      }
      for (;;) {
        ws();
        const name = key();
        ws();
        i++; // ':'
        k.set(name, value(depth + 1));
        ws();
        if (text.charCodeAt(i++) === 125) return { o: start, k };
      }
    }
    if (c === 91) {
      i++;
      const a: JsonPos[] = [];
      ws();
      if (text.charCodeAt(i) === 93) {
        i++;
        return { o: start, a };
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text.charCodeAt(i++) === 93) return { o: start, a };
      }
    }
    if (c === 34) {
      skipString();
      return start;
    }
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
      i++;
    }
    return start;
  };
  const root = value(0);
  const lines = lineStarts(text);
  return {
    offsetOf(segments) {
      let node: JsonPos = root;
      for (const s of segments) {
        if (typeof node === "number") break;
        const next: JsonPos | undefined = "k" in node ? node.k.get(s) : node.a[Number(s)];
        if (next === undefined) break;
        node = next;
      }
      return typeof node === "number" ? node : node.o;
    },
    lineColumn: (offset) => lineColumnOf(lines, offset),
    segmentsAt(offset) {
      const out: string[] = [];
      let node: JsonPos = root;
      while (typeof node !== "number") {
        let next: [string, JsonPos] | undefined;
        const entries: Iterable<[string | number, JsonPos]> =
          "k" in node ? node.k : node.a.entries();
        for (const [name, child] of entries) {
          if ((typeof child === "number" ? child : child.o) > offset) break;
          next = [String(name), child];
        }
        if (!next) break;
        out.push(next[0]);
        node = next[1];
      }
      return out;
    },
  };
}

/** Offset of the end of a 1-based line of a text. */
export function endOfLine(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line && at !== -1; l++) {
    at = text.indexOf("\n", at);
    if (at !== -1) at++;
  }
  if (at === -1) return text.length;
  const end = text.indexOf("\n", at);
  return end === -1 ? text.length : end;
}

/**
 * Indexes the positions of a parsed YAML document: each mapping's keys are indexed the first
 * time a pointer goes through it.
 */
export function yamlPositions(doc: Document, lineCounter: LineCounter): PositionIndex {
  const keyIndex = new WeakMap<object, Map<string, unknown>>();
  const pairsOf = (map: { items: unknown[] }): Map<string, unknown> => {
    let index = keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items)
        if (isPair(p) && isScalar(p.key)) index.set(String(p.key.value), p);
      keyIndex.set(map, index);
    }
    return index;
  };
  const offset = (node: unknown): number | undefined =>
    (node as { range?: [number, number, number] } | null)?.range?.[0];
  return {
    offsetOf(segments) {
      let node: unknown = doc.contents;
      let best = offset(node);
      for (const s of segments) {
        if (isAlias(node)) node = node.resolve(doc);
        if (isMap(node)) {
          const pair = pairsOf(node).get(s);
          if (!isPair(pair)) break;
          node = pair.value;
          best = offset(pair.value ?? pair.key) ?? best;
        } else if (isSeq(node)) {
          const item = node.items[Number(s)];
          if (item === undefined) break;
          node = item;
          best = offset(item) ?? best;
        } else break;
      }
      return best;
    },
    lineColumn(at) {
      const p = lineCounter.linePos(at);
      return { line: p.line, column: p.col };
    },
  };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  let at = text.indexOf("\n");
  while (at !== -1) {
    starts.push(at + 1);
    at = text.indexOf("\n", at + 1);
  }
  return starts;
}

function lineColumnOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}
