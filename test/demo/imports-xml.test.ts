import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseXml, type XmlElement, XmlError, type XmlOptions } from "../../demo/imports/xml.js";

const strict = { allowDoctype: false };
const withDtd = { allowDoctype: true, maxExpandedChars: 1000 };

function text(element: XmlElement): string {
  return element.children.map((c) => ("text" in c ? c.text : text(c))).join("");
}

async function refused(source: string, options: XmlOptions = strict): Promise<XmlError> {
  try {
    await parseXml(source, options);
  } catch (error) {
    if (error instanceof XmlError) return error;
    throw error;
  }
  assert.fail(`accepted: ${source}`);
}

describe("parseXml", () => {
  test("elements, attributes, prolog, comments, PIs, CDATA and references", async () => {
    const root = await parseXml(
      `\uFEFF<?xml version="1.0"?><!-- c --><?pi x?><a x='1' y="&lt;&#65;&#x42;"><b/>t&amp;<![CDATA[&<]]><!--z--></a>\n`,
      strict,
    );
    assert.equal(root.name, "a");
    assert.deepEqual(root.attributes, { x: "1", y: "<AB" });
    assert.equal((root.children[0] as XmlElement).name, "b");
    assert.equal(text(root), "t&&<");
  });

  test("attribute values normalise white space characters", async () => {
    const root = await parseXml('<a v="1\t2\n3"/>', strict);
    assert.equal(root.attributes.v, "1 2 3");
  });

  test("malformed documents are refused as malformed", async () => {
    for (const source of [
      "<a></b>",
      "<a>",
      "<a/><b/>",
      "<a x=1/>",
      '<a x="1" x="2"/>',
      "<a>&undefined;</a>",
      "<a>& </a>",
      "<a>&#0;</a>",
      '<a x="<"/>',
      "<a><!-- -- --></a>",
      "text",
    ]) {
      assert.equal((await refused(source)).kind, "malformed", source);
    }
  });

  test("a DOCTYPE is refused unless allowed", async () => {
    assert.equal((await refused("<!DOCTYPE a><a/>")).kind, "doctype");
    assert.equal((await parseXml("<!DOCTYPE a><a/>", withDtd)).name, "a");
  });

  test("internal entities expand recursively; the first declaration binds", async () => {
    const root = await parseXml(
      '<!DOCTYPE a [<!ENTITY b "B&c;"><!ENTITY c "C&#38;amp;"><!ENTITY b "ignored"><!ELEMENT a ANY>]><a t="&b;">&b;</a>',
      withDtd,
    );
    assert.equal(text(root), "BC&");
    assert.equal(root.attributes.t, "BC&");
  });

  test("recursive entities, parameter entities and the expansion budget are refused", async () => {
    assert.equal(
      (await refused('<!DOCTYPE a [<!ENTITY b "&b;">]><a>&b;</a>', withDtd)).kind,
      "malformed",
    );
    assert.equal(
      (await refused('<!DOCTYPE a [<!ENTITY % p "x">]><a/>', withDtd)).kind,
      "unsupported",
    );
    const bomb =
      '<!DOCTYPE a [<!ENTITY x "0123456789"><!ENTITY y "&x;&x;&x;&x;&x;&x;&x;&x;&x;&x;&x;&x;">]><a>&y;</a>';
    assert.equal(
      (await refused(bomb, { allowDoctype: true, maxExpandedChars: 100 })).kind,
      "limit",
    );
  });

  test("external entities: refused without a resolver, resolved with one (text declaration dropped)", async () => {
    const source = '<!DOCTYPE a [<!ENTITY e SYSTEM "x.txt">]><a>[&e;]</a>';
    assert.equal((await refused(source, withDtd)).kind, "external");
    const resolved = await parseXml(source, {
      allowDoctype: true,
      resolveExternal: async (id) => `<?xml encoding="UTF-8"?>content of ${id}`,
    });
    assert.equal(text(resolved), "[content of x.txt]");
    const failing = await refused(source, {
      allowDoctype: true,
      resolveExternal: () => Promise.reject(new Error("nope")),
    });
    assert.deepEqual(
      [failing.kind, failing.message],
      ["external", 'failed to load external entity "x.txt"'],
    );
  });

  test("an external DTD is loaded through the resolver and its entities declared", async () => {
    const loaded: string[] = [];
    const root = await parseXml('<!DOCTYPE a SYSTEM "http://127.0.0.1:1/d.dtd"><a>&fromDtd;</a>', {
      allowDoctype: true,
      resolveExternal: async (id) => {
        loaded.push(id);
        return '<!ENTITY fromDtd "declared outside">';
      },
    });
    assert.deepEqual(loaded, ["http://127.0.0.1:1/d.dtd"]);
    assert.equal(text(root), "declared outside");
  });
});
