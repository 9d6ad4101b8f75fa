import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument } from "yaml";
import { type Problem, RampartError } from "./errors.js";

/** Limits applied to every YAML document Rampart reads as configuration. */
export interface YamlLimits {
  /** Largest document accepted, in bytes. */
  readonly maxBytes: number;
  /**
   * Upper bound on alias resolutions (the `yaml` package weighs nested aliases by what they
   * expand to), so a "billion laughs" document fails fast instead of exhausting memory.
   */
  readonly maxAliasCount: number;
}

/** Secure default: a config file is small and needs few aliases. */
export const DEFAULT_YAML_LIMITS: YamlLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxAliasCount: 100,
});

/** A parsed YAML document that still knows where each node came from. */
export interface SourceDocument {
  readonly value: unknown;
  readonly source: string;
  /**
   * Line and column (1-based) of the node at a JSON pointer, or of its nearest ancestor: of its
   * value by default, of its key with `"key"` (for a key that should not be there).
   */
  position(pointer: string, at?: "key" | "value"): { line: number; column: number } | undefined;
}

/**
 * Parses YAML (or JSON, a subset of it) under {@link YamlLimits}; every syntax error is reported
 * at once with its line and column.
 *
 * @example
 * ```ts
 * const doc = parseYaml("a: 1\n", "inline.yaml");
 * doc.value; // { a: 1 }
 * doc.position("/a"); // { line: 1, column: 4 }
 * ```
 */
export function parseYaml(
  text: string,
  source: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): SourceDocument {
  if (Buffer.byteLength(text, "utf8") > limits.maxBytes) {
    throw new RampartError("ERR_CONFIG_PARSE", `larger than ${limits.maxBytes} bytes`, { source });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return {
        path: "",
        message: e.message.split("\n", 1)[0] ?? e.code,
        line: at.line,
        column: at.col,
      };
    });
    throw new RampartError("ERR_CONFIG_PARSE", "not well-formed YAML", { source, problems });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand beyond maxAliasCount (resource exhaustion).
    const message = error instanceof Error ? error.message : String(error);
    const bomb = /alias/i.test(message);
    throw new RampartError(
      "ERR_CONFIG_PARSE",
      bomb
        ? `YAML aliases expand beyond the limit of ${limits.maxAliasCount} (possible YAML bomb)`
        : message,
      { source },
    );
  }
  return {
    value,
    source,
    position: (pointer, at = "value") => nodePosition(doc, lineCounter, pointer, at),
  };
}

function nodePosition(
  doc: Document,
  lineCounter: LineCounter,
  pointer: string,
  at: "key" | "value",
): { line: number; column: number } | undefined {
  const segments = pointer === "" ? [] : pointer.slice(1).split("/").map(unescapePointer);
  let node: unknown = doc.contents;
  let best: unknown = node;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment,
      );
      if (!pair) break;
      best = at === "key" || pair.value === null ? pair.key : pair.value;
      node = pair.value;
    } else if (node && typeof node === "object" && "items" in node && Array.isArray(node.items)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      best = item;
      node = item;
    } else {
      break;
    }
  }
  const range = (best as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  const where = lineCounter.linePos(range[0]);
  return { line: where.line, column: where.col };
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}
