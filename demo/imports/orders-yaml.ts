import { isAlias, parseDocument, visit } from "yaml";
import { HttpError } from "../http/problem.js";
import type { DemoContext } from "../types.js";
import type { RawOrder } from "./orders.js";

/** Safety cap of the expanded YAML with `yaml-alias-expansion` (characters, nodes counted 1). */
export const YAML_EXPANSION_CAP = 1_000_000;

/**
 * Parses a YAML list of `{item, quantity}` (or `{orders: [...]}`).
 *
 * Hardened: aliases are refused outright (`maxAliasCount: 0` as well), so no document can
 * expand ("billion laughs", checklist PROC-05). With `yaml-alias-expansion`, aliases expand
 * without limit (`maxAliasCount: -1`), bounded only by {@link YAML_EXPANSION_CAP} measured on
 * the result, which is what a naive import would serialise.
 *
 * @example
 * ```ts
 * ordersFromYaml("- item: Gear\n  quantity: 2\n", context); // [{ item: "Gear", quantity: 2 }]
 * ```
 */
export function ordersFromYaml(text: string, context: DemoContext): RawOrder[] {
  const lax = context.has("yaml-alias-expansion");
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]?.message.split("\n", 1)[0] ?? "";
    throw new HttpError(400, `The body is not well-formed YAML: ${first}`);
  }
  if (!lax && hasAlias(doc)) throw new HttpError(400, "YAML aliases are not allowed.");
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: lax ? -1 : 0 });
  } catch {
    throw new HttpError(400, "YAML aliases are not allowed.");
  }
  if (lax && exceeds(value, YAML_EXPANSION_CAP)) {
    throw new HttpError(413, `The expanded document exceeds ${YAML_EXPANSION_CAP} characters.`);
  }
  const list = isRecord(value) && Array.isArray(value.orders) ? value.orders : value;
  if (!Array.isArray(list)) throw new HttpError(400, "The body must be a YAML list of orders.");
  return list.map((entry: unknown) =>
    isRecord(entry)
      ? { item: entry.item, quantity: entry.quantity }
      : { item: undefined, quantity: undefined },
  );
}

function hasAlias(doc: ReturnType<typeof parseDocument>): boolean {
  let found = false;
  visit(doc, {
    Alias(_key, node) {
      found = isAlias(node);
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Whether a value, written out, passes `cap` characters; the walk stops at the cap, so that a
 * value made of shared references (what expanded aliases are) costs no more than the cap.
 */
function exceeds(value: unknown, cap: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    size += typeof next === "string" ? next.length : 1;
    if (size > cap) return true;
    if (Array.isArray(next)) stack.push(...next);
    else if (isRecord(next)) for (const [k, v] of Object.entries(next)) stack.push(k, v);
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
