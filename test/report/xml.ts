/**
 * A strict little XML reader for the JUnit tests: it accepts only well-formed XML 1.0 of the
 * kind the formatter writes (declaration, elements, attributes, text, the five predefined
 * entities and numeric character references) and throws on anything else.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = "[A-Za-z_][A-Za-z0-9_.:-]*";
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these, the test looks for them.
const INVALID_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function decode(raw: string, where: number): string {
  if (INVALID_CHAR.test(raw)) throw new Error(`invalid XML character near ${where}`);
  return raw.replace(/&([^;\s&<]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & near ${where}`);
    if (ref in ENTITIES) return ENTITIES[ref] as string;
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!num) throw new Error(`unknown entity ${whole} near ${where}`);
    const code = num[1] !== undefined ? Number.parseInt(num[1], 16) : Number(num[2]);
    const ch = String.fromCodePoint(code);
    if (INVALID_CHAR.test(ch)) throw new Error(`invalid character reference ${whole}`);
    return ch;
  });
}

/** Parses a document and returns its root element; throws on any well-formedness error. */
export function parseXml(xml: string): XmlElement {
  let pos = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*/.exec(xml);
  if (!decl) throw new Error("missing XML declaration");
  pos = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const tag = new RegExp(`<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`, "y");
  while (pos < xml.length) {
    const lt = xml.indexOf("<", pos);
    const chunk = xml.slice(pos, lt < 0 ? xml.length : lt);
    if (chunk.includes("]]>")) throw new Error(`raw ]]> near ${pos}`);
    const top = stack.at(-1);
    if (top) top.text += decode(chunk, pos);
    else if (chunk.trim() !== "") throw new Error(`text outside the root near ${pos}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) throw new Error(`malformed tag near ${lt}: ${xml.slice(lt, lt + 60)}`);
    const [whole, closing, name = "", rawAttrs = "", selfClosing] = m;
    pos = lt + whole.length;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}> near ${lt}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, "g"))) {
      const key = a[1] as string;
      if (key in attrs) throw new Error(`duplicate attribute ${key}`);
      attrs[key] = decode(a[2] as string, lt);
    }
    const element: XmlElement = { name, attrs, children: [], text: "" };
    if (top) top.children.push(element);
    else if (root) throw new Error("two root elements");
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Every descendant element with this name, in document order. */
export function all(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);
}
