import { afterString, afterWhitespace as skip } from "../json-text.js";
import { memberOf, type ProjectionNode } from "./project.js";

/** What a member's name leads to: the nodes that apply to its value, or undefined (removed). */
type Member = readonly ProjectionNode[] | undefined;
const NONE: readonly ProjectionNode[] = [];

/**
 * A node's declared names as UTF-8 bytes, by their length: looked up without making a string
 * (a member name is compared only with the declared names of its length).
 */
export type NameIndex = readonly (readonly { bytes: Buffer; member: Member }[] | undefined)[];

/** The {@link NameIndex} of a node whose properties are complete. */
export function nameIndex(node: ProjectionNode): NameIndex {
  const index: { bytes: Buffer; member: Member }[][] = [];
  for (const name of node.properties.keys()) {
    const bytes = Buffer.from(name, "utf8");
    const sameLength = index[bytes.length] ?? [];
    sameLength.push({ bytes, member: memberOf(node, name) });
    index[bytes.length] = sameLength;
  }
  return index;
}

/**
 * Whether a JSON text, once parsed, would lose nothing to the projection of `root`: every
 * member of every object the schema lists properties for is declared (or matched by a pattern,
 * or allowed by `additionalProperties`) and none is `writeOnly`. Read from the bytes as they
 * came, without building the value or a string: most answers of a conforming upstream have
 * nothing to remove, and parsing a 2 KiB answer costs several times this scan.
 *
 * `false` means "parse and project": something would be removed, or the text holds what this
 * scan does not read itself (a member name with an escape, nesting deeper than the projection
 * walks, anything that is not plain JSON). Only a `true` has to be exact, and only for texts
 * that `JSON.parse` accepts (a text it refuses passes unchanged either way). Member names are
 * compared as bytes with the UTF-8 of the declared ones: equal bytes decode to equal names, and
 * UTF-8 decoding never joins an ASCII byte (a quote, a bracket) to its neighbours. A duplicate
 * member name is read twice here where `JSON.parse` keeps the last; `true` then holds for both.
 */
export function keepsAll(root: ProjectionNode | undefined, b: Buffer): boolean {
  if (!root) return true;
  // One loop with its own stack rather than recursion: a call per value costs more than the
  // reading of most values. `open` holds, per open container, the nodes of its members (an
  // object) or of its items (an array); `inArray` which of the two it is.
  const open: (readonly ProjectionNode[])[] = [];
  const inArray: boolean[] = [];
  let nodes: readonly ProjectionNode[] = [root];
  let p = skip(b, 0);
  for (;;) {
    // A value at p, under `nodes`. The projection leaves nesting deeper than this as it is;
    // parsing decides the same way.
    if (open.length > 256) return false;
    let c = b[p];
    let member = false;
    if (c === 0x7b) {
      p = skip(b, p + 1);
      if (b[p] === 0x7d) p++;
      else {
        open.push(nodes);
        inArray.push(false);
        member = true;
      }
    } else if (c === 0x5b) {
      p = skip(b, p + 1);
      if (b[p] === 0x5d) p++;
      else {
        nodes = itemsOf(nodes);
        open.push(nodes);
        inArray.push(true);
        continue;
      }
    } else if (c === 0x22) {
      p = afterString(b, p + 1);
      if (p < 0) return false;
    } else {
      p = literal(b, p);
      if (p < 0) return false;
    }
    // After a value: close what ends here, up to the next member or item.
    while (!member) {
      const depth = open.length;
      if (depth === 0) return skip(b, p) === b.length;
      p = skip(b, p);
      c = b[p];
      const array = inArray[depth - 1] as boolean;
      if (c === 0x2c) {
        p = skip(b, p + 1);
        if (array) nodes = open[depth - 1] as readonly ProjectionNode[];
        else member = true;
        break;
      }
      if (c !== (array ? 0x5d : 0x7d)) return false;
      p++;
      open.pop();
      inArray.pop();
    }
    if (!member) continue;
    // A member: its name at p, then its value under the nodes the name leads to.
    if (b[p] !== 0x22) return false;
    const start = p + 1;
    let q = start;
    // Escaped names are left to the parser.
    for (; ; q++) {
      if (q >= b.length) return false;
      c = b[q] as number;
      if (c === 0x22) break;
      if (c === 0x5c) return false;
    }
    const parent = open[open.length - 1] as readonly ProjectionNode[];
    const children = parent.length === 0 ? NONE : membersOf(parent, b, start, q);
    if (children === undefined) return false;
    p = skip(b, q + 1);
    if (b[p] !== 0x3a) return false;
    p = skip(b, p + 1);
    nodes = children;
  }
}

/** After a number, `true`, `false` or `null` (their characters; the parser judges the rest). */
function literal(b: Buffer, at: number): number {
  let p = at;
  for (const n = b.length; p < n; p++) {
    const c = b[p] as number;
    const digitOrSign = (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e;
    if (!(digitOrSign || (c >= 0x61 && c <= 0x7a) || c === 0x45)) break;
  }
  return p === at ? -1 : p;
}

/** `a` equals `b[start, start + a.length)`; a JS loop: names are short, a native call is not. */
function equal(a: Buffer, b: Buffer, start: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

function itemsOf(nodes: readonly ProjectionNode[]): readonly ProjectionNode[] {
  if (nodes.length === 1) return (nodes[0] as ProjectionNode).items;
  const out: ProjectionNode[] = [];
  for (const n of nodes) out.push(...n.items);
  return out;
}

/** The nodes that apply to the member named by `b[start, end)`, or undefined when it is removed. */
function membersOf(
  nodes: readonly ProjectionNode[],
  b: Buffer,
  start: number,
  end: number,
): Member {
  if (nodes.length === 1) return lookup(nodes[0] as ProjectionNode, b, start, end);
  const out: ProjectionNode[] = [];
  for (const n of nodes) {
    const children = lookup(n, b, start, end);
    if (children === undefined) return undefined;
    out.push(...children);
  }
  return out;
}

function lookup(node: ProjectionNode, b: Buffer, start: number, end: number): Member {
  if (!node.listsProperties && node.open.length === 0) return NONE;
  const candidates = node.names?.[end - start];
  if (candidates !== undefined)
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i] as { bytes: Buffer; member: Member };
      if (equal(candidate.bytes, b, start)) return candidate.member;
    }
  // Not a declared name: patterns and `additionalProperties` decide, on the decoded name.
  return memberOf(node, b.toString("utf8", start, end));
}
