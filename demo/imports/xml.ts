/**
 * A small XML 1.0 parser, purpose-built for the order import: elements, attributes, text,
 * CDATA, comments, processing instructions, the five predefined entities, character references,
 * and a DOCTYPE whose internal subset (and, when external entities are resolved, external
 * subset) declares general entities. Parameter entities are not supported. What it does with a
 * DOCTYPE is up to its options, which is where the demo's XXE and billion-laughs flaws live.
 */

/** An element: its name, attributes and children (text already entity-expanded). */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

export type XmlNode = XmlElement | { readonly text: string };

/** Why a document was refused. */
export type XmlErrorKind = "malformed" | "doctype" | "limit" | "external" | "unsupported";

/**
 * A refused document.
 *
 * @example
 * ```ts
 * try { await parseXml("<!DOCTYPE a []><a/>", { allowDoctype: false }); }
 * catch (e) { if (e instanceof XmlError) e.kind; } // "doctype"
 * ```
 */
export class XmlError extends Error {
  override readonly name = "XmlError";
  readonly kind: XmlErrorKind;

  constructor(kind: XmlErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface XmlOptions {
  /** False: any DOCTYPE is refused (the safe default, OWASP's XXE prevention advice). */
  readonly allowDoctype: boolean;
  /**
   * Loads the text of an external entity or DTD by its system id; absent: external entities are
   * refused and an external DTD is not read.
   */
  readonly resolveExternal?: (systemId: string) => Promise<string>;
  /** Characters that entity references may produce in all; beyond it a `limit` error. */
  readonly maxExpandedChars?: number;
}

interface Entity {
  readonly name: string;
  /** Replacement text of an internal entity (character references already replaced). */
  readonly value?: string;
  readonly systemId?: string;
  readonly unparsed?: boolean;
}

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  amp: "&",
  apos: "'",
  quot: '"',
};

/**
 * Parses a document and returns its root element.
 *
 * @example
 * ```ts
 * const root = await parseXml("<orders><order><item>Gear</item></order></orders>", { allowDoctype: false });
 * root.name; // "orders"
 * ```
 */
export async function parseXml(text: string, options: XmlOptions): Promise<XmlElement> {
  return new Parser(text.replace(/^\uFEFF/, ""), options).document();
}

class Parser {
  private pos = 0;
  private readonly entities = new Map<string, Entity>();
  private readonly expanded = new Map<string, string>();
  private readonly expanding = new Set<string>();
  private produced = 0;
  private readonly budget: number;
  // Sticky / global expressions carry a position (lastIndex): one pair per parser.
  private readonly nameAt = /[\p{L}_:][\p{L}\p{N}_:.\u00B7-]*/uy;
  private readonly markupAfter = /[<&]/g;

  constructor(
    private src: string,
    private readonly options: XmlOptions,
  ) {
    this.budget = options.maxExpandedChars ?? Number.POSITIVE_INFINITY;
  }

  async document(): Promise<XmlElement> {
    if (this.src.startsWith("<?xml")) this.pi();
    this.misc();
    if (this.src.startsWith("<!DOCTYPE", this.pos)) {
      if (!this.options.allowDoctype) throw new XmlError("doctype", "DOCTYPE is not allowed");
      await this.doctype();
      this.misc();
    }
    if (this.src[this.pos] !== "<") this.fail("a root element");
    const root = await this.element();
    this.misc();
    if (this.pos < this.src.length) this.fail("the end of the document");
    return root;
  }

  // --- prolog and DOCTYPE -------------------------------------------------------------------

  private misc(): void {
    for (;;) {
      this.space();
      if (this.src.startsWith("<!--", this.pos)) this.comment();
      else if (this.src.startsWith("<?", this.pos)) this.pi();
      else return;
    }
  }

  private async doctype(): Promise<void> {
    this.pos += "<!DOCTYPE".length;
    this.requireSpace();
    this.name();
    this.space();
    const external = this.externalId();
    this.space();
    if (this.src[this.pos] === "[") {
      this.pos += 1;
      this.declarations("]");
      this.expect("]");
      this.space();
    }
    this.expect(">");
    // The internal subset is read first, so its declarations win (XML 1.0 4.2: first binds).
    if (external?.systemId !== undefined && this.options.resolveExternal) {
      const dtd = await this.load(external.systemId);
      const [src, pos] = [this.src, this.pos];
      [this.src, this.pos] = [dtd, 0];
      try {
        this.declarations("");
      } finally {
        [this.src, this.pos] = [src, pos];
      }
    }
  }

  /** Markup declarations up to `end` ("]" for the internal subset, "" for an external DTD). */
  private declarations(end: string): void {
    for (;;) {
      this.space();
      if (this.pos >= this.src.length || (end !== "" && this.src[this.pos] === end)) return;
      if (this.src.startsWith("<!--", this.pos)) this.comment();
      else if (this.src.startsWith("<?", this.pos)) this.pi();
      else if (this.src.startsWith("<!ENTITY", this.pos)) this.entityDeclaration();
      else if (/^<!(ELEMENT|ATTLIST|NOTATION)\b/.test(this.src.slice(this.pos, this.pos + 12))) {
        this.skipDeclaration();
      } else if (this.src[this.pos] === "%") {
        throw new XmlError("unsupported", "parameter entities are not supported");
      } else this.fail("a markup declaration");
    }
  }

  private entityDeclaration(): void {
    this.pos += "<!ENTITY".length;
    this.requireSpace();
    if (this.src[this.pos] === "%") {
      throw new XmlError("unsupported", "parameter entities are not supported");
    }
    const name = this.name();
    this.requireSpace();
    let entity: Entity;
    const quote = this.src[this.pos];
    if (quote === '"' || quote === "'") {
      const literal = this.quoted();
      if (literal.includes("%")) {
        throw new XmlError("unsupported", "parameter entities are not supported");
      }
      // XML 1.0 4.4.5: character references are replaced when the literal is read.
      entity = {
        name,
        value: literal.replace(/&#(x[0-9a-fA-F]+|[0-9]+);/g, (_, n) => this.char(n)),
      };
    } else {
      const external = this.externalId();
      if (!external) this.fail("an entity value or external id");
      this.space();
      const unparsed = this.src.startsWith("NDATA", this.pos);
      if (unparsed) {
        this.pos += "NDATA".length;
        this.requireSpace();
        this.name();
      }
      entity = { name, systemId: external.systemId, unparsed };
    }
    this.space();
    this.expect(">");
    if (!this.entities.has(name)) this.entities.set(name, entity);
  }

  private externalId(): { systemId: string } | undefined {
    if (this.src.startsWith("SYSTEM", this.pos)) {
      this.pos += "SYSTEM".length;
      this.requireSpace();
      return { systemId: this.quoted() };
    }
    if (this.src.startsWith("PUBLIC", this.pos)) {
      this.pos += "PUBLIC".length;
      this.requireSpace();
      this.quoted();
      this.requireSpace();
      return { systemId: this.quoted() };
    }
    return undefined;
  }

  private skipDeclaration(): void {
    while (this.pos < this.src.length && this.src[this.pos] !== ">") {
      const c = this.src[this.pos];
      if (c === '"' || c === "'") this.quoted();
      else this.pos += 1;
    }
    this.expect(">");
  }

  // --- elements and content ----------------------------------------------------------------

  private async element(): Promise<XmlElement> {
    this.expect("<");
    const name = this.name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const spaced = this.space();
      if (this.src.startsWith("/>", this.pos)) {
        this.pos += 2;
        return { name, attributes, children: [] };
      }
      if (this.src[this.pos] === ">") break;
      if (!spaced) this.fail("white space before an attribute");
      const attribute = this.name();
      this.space();
      this.expect("=");
      this.space();
      if (Object.hasOwn(attributes, attribute))
        this.malformed(`attribute ${attribute} is repeated`);
      attributes[attribute] = await this.attributeValue();
    }
    this.pos += 1;
    const children = await this.content();
    this.expect("</");
    if (this.name() !== name) this.malformed(`</${name}> expected`);
    this.space();
    this.expect(">");
    return { name, attributes, children };
  }

  private async content(): Promise<XmlNode[]> {
    const children: XmlNode[] = [];
    let text = "";
    const flush = (): void => {
      if (text !== "") children.push({ text });
      text = "";
    };
    for (;;) {
      if (this.pos >= this.src.length) this.fail("a closing tag");
      const c = this.src[this.pos];
      if (c === "&") {
        text += await this.reference(false);
      } else if (c !== "<") {
        this.markupAfter.lastIndex = this.pos;
        const found = this.markupAfter.exec(this.src);
        const end = found ? found.index : this.src.length;
        text += this.src.slice(this.pos, end);
        this.pos = end;
      } else if (this.src.startsWith("</", this.pos)) {
        flush();
        return children;
      } else if (this.src.startsWith("<!--", this.pos)) {
        this.comment();
      } else if (this.src.startsWith("<![CDATA[", this.pos)) {
        const end = this.src.indexOf("]]>", this.pos);
        if (end < 0) this.fail("]]>");
        text += this.src.slice(this.pos + "<![CDATA[".length, end);
        this.pos = end + 3;
      } else if (this.src.startsWith("<?", this.pos)) {
        this.pi();
      } else if (this.src.startsWith("<!", this.pos)) {
        this.malformed("a DOCTYPE or declaration is not allowed inside an element");
      } else {
        flush();
        children.push(await this.element());
      }
    }
  }

  private async attributeValue(): Promise<string> {
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail("a quoted attribute value");
    this.pos += 1;
    let value = "";
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail(`the closing ${quote}`);
      if (c === quote) break;
      if (c === "<") this.malformed("< is not allowed in an attribute value");
      if (c === "&") value += await this.reference(true);
      else {
        value += /[\t\n\r]/.test(c) ? " " : c;
        this.pos += 1;
      }
    }
    this.pos += 1;
    return value;
  }

  // --- references and entity expansion -----------------------------------------------------

  /** Reads `&...;` at the current position and returns what it stands for. */
  private async reference(inAttribute: boolean): Promise<string> {
    const end = this.src.indexOf(";", this.pos);
    const body = end < 0 ? "" : this.src.slice(this.pos + 1, end);
    if (!/^(#x[0-9a-fA-F]+|#[0-9]+|[\p{L}_:][\p{L}\p{N}_:.\u00B7-]*)$/u.test(body)) {
      this.malformed("& must start a character or entity reference");
    }
    this.pos = end + 1;
    if (body.startsWith("#")) return this.char(body.slice(1));
    const text = await this.expand(body, inAttribute);
    this.produced += text.length;
    if (this.produced > this.budget) this.overBudget();
    return text;
  }

  /** The full replacement text of an entity, nested references expanded (memoised). */
  private async expand(name: string, inAttribute: boolean): Promise<string> {
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const entity = this.entities.get(name);
    if (!entity) return this.malformed(`entity &${name}; is not declared`);
    if (entity.unparsed) return this.malformed(`unparsed entity &${name}; referenced`);
    if (entity.systemId !== undefined && inAttribute) {
      return this.malformed(`external entity &${name}; in an attribute value`);
    }
    const done = this.expanded.get(name);
    if (done !== undefined) return done;
    if (this.expanding.has(name)) return this.malformed(`entity &${name}; references itself`);
    this.expanding.add(name);
    try {
      const text =
        entity.value === undefined
          ? await this.external(entity.systemId ?? "")
          : await this.replacement(entity.value, inAttribute);
      this.expanded.set(name, text);
      return text;
    } finally {
      this.expanding.delete(name);
    }
  }

  private async replacement(value: string, inAttribute: boolean): Promise<string> {
    let out = "";
    let last = 0;
    for (const match of value.matchAll(/&([^;&]*);/g)) {
      out += value.slice(last, match.index);
      const body = match[1] ?? "";
      out += body.startsWith("#") ? this.char(body.slice(1)) : await this.expand(body, inAttribute);
      // Checked while building, so that a bomb never gets the memory to grow past the budget.
      if (out.length > this.budget) this.overBudget();
      last = match.index + match[0].length;
    }
    return out + value.slice(last);
  }

  private async external(systemId: string): Promise<string> {
    if (!this.options.resolveExternal) {
      throw new XmlError("external", "external entities are not allowed");
    }
    // An external parsed entity may open with a text declaration (XML 1.0 4.3.1).
    return (await this.load(systemId)).replace(/^\uFEFF?<\?xml[^>]*\?>/, "");
  }

  private async load(systemId: string): Promise<string> {
    try {
      return await (this.options.resolveExternal as (id: string) => Promise<string>)(systemId);
    } catch {
      throw new XmlError("external", `failed to load external entity "${systemId}"`);
    }
  }

  private overBudget(): never {
    throw new XmlError("limit", `entity expansion exceeds ${this.budget} characters`);
  }

  // --- lexical helpers ---------------------------------------------------------------------

  private char(ref: string): string {
    const code = ref.startsWith("x") ? Number.parseInt(ref.slice(1), 16) : Number(ref);
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) this.malformed(`&#${ref}; is not a legal XML character`);
    return String.fromCodePoint(code);
  }

  private comment(): void {
    const end = this.src.indexOf("-->", this.pos + 4);
    if (end < 0) this.fail("-->");
    if (this.src.slice(this.pos + 4, end).includes("--")) this.malformed("-- inside a comment");
    this.pos = end + 3;
  }

  private pi(): void {
    const end = this.src.indexOf("?>", this.pos + 2);
    if (end < 0) this.fail("?>");
    this.pos = end + 2;
  }

  private name(): string {
    this.nameAt.lastIndex = this.pos;
    const match = this.nameAt.exec(this.src);
    if (!match) return this.fail("a name");
    this.pos += match[0].length;
    return match[0];
  }

  private quoted(): string {
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail("a quoted literal");
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail(`the closing ${quote}`);
    const literal = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return literal;
  }

  private space(): boolean {
    const start = this.pos;
    while (/[ \t\r\n]/.test(this.src[this.pos] ?? "")) this.pos += 1;
    return this.pos > start;
  }

  private requireSpace(): void {
    if (!this.space()) this.fail("white space");
  }

  private expect(token: string): void {
    if (!this.src.startsWith(token, this.pos)) this.fail(`"${token}"`);
    this.pos += token.length;
  }

  private fail(expected: string): never {
    return this.malformed(`${expected} expected at offset ${this.pos}`);
  }

  private malformed(message: string): never {
    throw new XmlError("malformed", `not well-formed XML: ${message}`);
  }
}
