import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { bearer, login, type RawResponse, send, startDemo } from "../helpers/demo-client.js";

/** The line of demo/data/canary.txt: seeing it in a response proves an XXE file read. */
const CANARY = "RAMPART-XXE-CANARY-7f3c9e1a";

const demos = new Map<string, Promise<{ api: DemoApi; token: string }>>();
function demo(flaws: string): Promise<{ api: DemoApi; token: string }> {
  let entry = demos.get(flaws);
  if (!entry) {
    entry = startDemo(flaws).then(async (api) => ({ api, token: await login(api, "alice") }));
    demos.set(flaws, entry);
  }
  return entry;
}
after(async () => {
  for (const entry of demos.values()) await (await entry).api.close();
});

async function upload(flaws: string, contentType: string, body: string): Promise<RawResponse> {
  const { api, token } = await demo(flaws);
  return send(`${api.url}/api/orders/import`, {
    method: "POST",
    headers: bearer(token, { "Content-Type": contentType }),
    body,
  });
}

const xml = (flaws: string, body: string) => upload(flaws, "application/xml", body);
const yaml = (flaws: string, body: string) => upload(flaws, "application/yaml", body);

function order(item: string, quantity = "1"): string {
  return `<order><item>${item}</item><quantity>${quantity}</quantity></order>`;
}

/** An XML document whose DOCTYPE declares `entities` and whose one order's item is `item`. */
function withDoctype(entities: string, item: string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE orders [\n${entities}\n]>\n<orders>${order(item)}</orders>`;
}

/** A bounded billion-laughs: `levels` levels of 10 references, expanding to 3 * 10^levels chars. */
function laughs(levels: number): string {
  const lines = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= levels; i++) lines.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return withDoctype(lines.join("\n"), `&lol${levels};`);
}

function yamlLaughs(levels: number): string {
  const lines = ["l0: &l0 lol"];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\norders:\n  - item: *l${levels}\n    quantity: 1\n`;
}

function items(res: RawResponse): string[] {
  return res.json().orders.map((o: { item: string }) => o.item);
}

describe("POST /api/orders/import", () => {
  test("XML: orders created for the caller, items echoed (entities, CDATA, comments, char refs)", async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by the shop -->
<orders>
  ${order("Gear &amp; co", "2")}
  <order><!-- note --><item><![CDATA[<Cable> ties]]></item><quantity> 3 </quantity></order>
  ${order("Caf&#xE9; &#8364;")}
</orders>`;
    const res = await xml("none", body);
    assert.equal(res.status, 201, res.body);
    assert.equal(res.json().imported, 3);
    assert.deepEqual(items(res), ["Gear & co", "<Cable> ties", "Café €"]);
    assert.deepEqual(
      res.json().orders.map((o: { quantity: number }) => o.quantity),
      [2, 3, 1],
    );
    const { api } = await demo("none");
    const id = res.json().orders[0].id;
    const owner = api.context.store.orders.find((o) => o.id === id)?.ownerId;
    assert.equal(owner, api.context.store.findUserByUsername("alice")?.id);
  });

  test("YAML: a list of {item, quantity} -> 201", async () => {
    const res = await yaml(
      "none",
      "- item: Blue widget\n  quantity: 2\n- {item: Gear set, quantity: 1}\n",
    );
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(items(res), ["Blue widget", "Gear set"]);
  });

  test("invalid orders are refused with every problem located", async () => {
    const res = await xml("none", `<orders>${order("", "0")}${order("x".repeat(101))}</orders>`);
    assert.equal(res.status, 400);
    const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer);
    assert.deepEqual(pointers, ["/orders/0/item", "/orders/0/quantity", "/orders/1/item"]);
  });

  test("malformed XML -> 400 problem", async () => {
    for (const body of [
      "<orders><order></orders>",
      "<orders>&nope;</orders>",
      "<orders>",
      "not xml <",
    ]) {
      const res = await xml("none", body);
      assert.equal(res.status, 400, body);
      assert.equal(res.headers["content-type"], "application/problem+json");
    }
  });

  test("without credentials -> 401", async () => {
    const { api } = await demo("none");
    const res = await send(`${api.url}/api/orders/import`, {
      method: "POST",
      headers: { "Content-Type": "application/xml" },
      body: `<orders>${order("x")}</orders>`,
    });
    assert.equal(res.status, 401);
  });
});

describe("xxe (PROC-04)", () => {
  test("xxe on: SYSTEM file:// entity inside the data folder -> the canary is in the response", async () => {
    const { api } = await demo("xxe");
    const url = `file://${join(api.context.dataDir, "canary.txt")}`;
    const res = await xml("xxe", withDoctype(`<!ENTITY xxe SYSTEM "${url}">`, "&xxe;"));
    assert.equal(res.status, 201, res.body);
    assert.equal(items(res)[0], CANARY);
  });

  test("xxe on: a relative system id resolves in the data folder too", async () => {
    const res = await xml("xxe", withDoctype('<!ENTITY xxe SYSTEM "canary.txt">', "[&xxe;]"));
    assert.equal(items(res)[0], `[${CANARY}\n]`);
  });

  test("xxe on: files outside the data folder fail like missing files (/etc/passwd, ../ escapes)", async () => {
    for (const id of [
      "file:///etc/passwd",
      "/etc/hostname",
      "../../../../../../etc/passwd",
      "no-such-file.txt",
    ]) {
      const res = await xml("xxe", withDoctype(`<!ENTITY xxe SYSTEM "${id}">`, "&xxe;"));
      assert.equal(res.status, 400, id);
      assert.equal(res.json().detail, `Failed to load external entity "${id}".`);
      assert.ok(!res.body.includes("root:"));
    }
  });

  test("xxe on: a loopback SYSTEM URL is fetched (out-of-band callback) and its body expanded", async () => {
    const hits: string[] = [];
    const listener = createServer((req, res) => {
      hits.push(String(req.url));
      res.end("OOB-MARKER-31337");
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = listener.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/xxe-callback?id=42`;
      const res = await xml("xxe", withDoctype(`<!ENTITY cb SYSTEM "${url}">`, "&cb;"));
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(hits, ["/xxe-callback?id=42"]);
      assert.equal(items(res)[0], "OOB-MARKER-31337");
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  test("xxe on: URLs off the loopback interface are never fetched -> 400", async () => {
    const res = await xml(
      "xxe",
      withDoctype('<!ENTITY x SYSTEM "http://metadata.invalid/latest/meta-data/">', "&x;"),
    );
    assert.equal(res.status, 400);
    assert.match(res.json().detail, /Failed to load external entity/);
  });

  test("xxe on, xml-entity-expansion off: a billion-laughs probe is stopped -> 400", async () => {
    const res = await xml("xxe", laughs(4));
    assert.equal(res.status, 400);
    assert.equal(res.json().detail, "Entity expansion limit exceeded.");
  });

  test("xxe off: any DOCTYPE -> 400 DOCTYPE is not allowed; the canary never shows", async () => {
    const res = await xml("none", withDoctype('<!ENTITY xxe SYSTEM "canary.txt">', "&xxe;"));
    assert.equal(res.status, 400);
    assert.equal(res.json().detail, "DOCTYPE is not allowed.");
    assert.ok(!res.body.includes(CANARY));
  });
});

describe("xml-entity-expansion (PROC-05)", () => {
  test("xml-entity-expansion on: a bounded bomb (10^4 laughs) expands into the response -> 201", async () => {
    const res = await xml("xml-entity-expansion", laughs(4));
    assert.equal(res.status, 201, res.body.slice(0, 300));
    assert.equal(items(res)[0], "lol".repeat(10_000));
  });

  test("xml-entity-expansion on: a real billion laughs hits the safety cap -> 413, and the demo lives on", async () => {
    const res = await xml("xml-entity-expansion", laughs(9));
    assert.equal(res.status, 413);
    const { api } = await demo("xml-entity-expansion");
    assert.equal((await send(`${api.url}/health`)).status, 200);
  });

  test("xml-entity-expansion on, xxe off: external entities are still refused -> 400", async () => {
    const res = await xml(
      "xml-entity-expansion",
      withDoctype('<!ENTITY x SYSTEM "canary.txt">', "&x;"),
    );
    assert.equal(res.status, 400);
    assert.equal(res.json().detail, "External entities are not allowed.");
  });

  test("xml-entity-expansion off: the bomb's DOCTYPE -> 400 DOCTYPE is not allowed", async () => {
    const res = await xml("none", laughs(4));
    assert.equal(res.status, 400);
    assert.equal(res.json().detail, "DOCTYPE is not allowed.");
  });
});

describe("yaml-alias-expansion (PROC-05)", () => {
  test("yaml-alias-expansion on: nested aliases (10^4 laughs) expand into the response -> 201", async () => {
    const res = await yaml("yaml-alias-expansion", yamlLaughs(4));
    assert.equal(res.status, 201, res.body.slice(0, 300));
    const item = items(res)[0] ?? "";
    assert.equal(item.split(",").length, 10_000);
    assert.ok(item.startsWith("lol,lol,lol"));
  });

  test("yaml-alias-expansion on: a YAML billion laughs hits the safety cap -> 413", async () => {
    const res = await yaml("yaml-alias-expansion", yamlLaughs(9));
    assert.equal(res.status, 413);
  });

  test("yaml-alias-expansion off: any alias -> 400 problem", async () => {
    for (const body of [yamlLaughs(4), "- &o {item: Gear, quantity: 1}\n- *o\n"]) {
      const res = await yaml("none", body);
      assert.equal(res.status, 400);
      assert.equal(res.json().detail, "YAML aliases are not allowed.");
    }
  });
});
