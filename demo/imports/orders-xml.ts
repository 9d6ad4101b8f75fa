import { HttpError } from "../http/problem.js";
import type { DemoContext } from "../types.js";
import { externalEntityResolver } from "./external.js";
import type { RawOrder } from "./orders.js";
import { parseXml, type XmlElement, type XmlNode } from "./xml.js";

/** Safety cap of expanded text with `xml-entity-expansion`: bombs stay visible, the demo alive. */
export const XML_EXPANSION_CAP = 1_000_000;

/**
 * Parses `<orders><order><item>..</item><quantity>..</quantity></order>...</orders>`.
 *
 * Hardened, a DOCTYPE is refused outright (OWASP XXE prevention: disallow DTDs), which rules
 * out external entities (`xxe`) and entity bombs (`xml-entity-expansion`) alike. With `xxe`,
 * DTDs are read and external entities resolved (confined, see `external.ts`), but internal
 * entities may expand to 5 times the document at most (libxml2's amplification limit). With
 * `xml-entity-expansion`, nested internal entities expand up to {@link XML_EXPANSION_CAP}.
 *
 * @example
 * ```ts
 * await ordersFromXml("<orders><order><item>Gear</item><quantity>2</quantity></order></orders>", context);
 * // [{ item: "Gear", quantity: "2" }]
 * ```
 */
export async function ordersFromXml(text: string, context: DemoContext): Promise<RawOrder[]> {
  const xxe = context.has("xxe");
  const bombs = context.has("xml-entity-expansion");
  const root = await parseXml(text, {
    allowDoctype: xxe || bombs,
    ...(xxe ? { resolveExternal: externalEntityResolver(context.dataDir) } : {}),
    maxExpandedChars: bombs ? XML_EXPANSION_CAP : Math.max(4096, 5 * text.length),
  });
  if (root.name !== "orders") throw invalid("", "the root element must be <orders>");
  return elements(root, "").map((order, index) => {
    const at = `/orders/${index}`;
    if (order.name !== "order") throw invalid(at, `<${order.name}> found where <order> belongs`);
    const fields: Record<string, string> = {};
    for (const field of elements(order, at)) {
      if (field.name !== "item" && field.name !== "quantity") {
        throw invalid(`${at}/${field.name}`, `unexpected element <${field.name}>`);
      }
      if (fields[field.name] !== undefined) throw invalid(`${at}/${field.name}`, "is repeated");
      fields[field.name] = textOf(field, `${at}/${field.name}`);
    }
    return { item: fields.item, quantity: fields.quantity };
  });
}

/** The child elements; text between them must be white space. */
function elements(parent: XmlElement, at: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of parent.children) {
    if ("name" in child) found.push(child);
    else if (child.text.trim() !== "") throw invalid(at, "text found where elements belong");
  }
  return found;
}

function textOf(element: XmlElement, at: string): string {
  if (element.children.some((c: XmlNode) => "name" in c))
    throw invalid(at, "must contain text only");
  return element.children
    .map((c) => ("text" in c ? c.text : ""))
    .join("")
    .trim();
}

function invalid(pointer: string, detail: string): HttpError {
  return new HttpError(400, "The import was refused.", [{ pointer, detail }]);
}
