import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { describe, test } from "node:test";
import { isLoopbackHost } from "../../src/core/loopback.js";
import type { Report } from "../../src/core/report.js";
import { CALLBACK_BODY, startCallbackListener } from "../../src/scan/callback.js";
import {
  xmlBomb,
  xmlExpansionCheck,
  yamlBomb,
  yamlExpansionCheck,
} from "../../src/scan/checks/parsers/expansion.js";
import { xxeCheck } from "../../src/scan/checks/parsers/xxe.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanCheck } from "../../src/scan/types.js";
import { demoPool, send } from "../helpers/demo-client.js";
import { catalog, DEMO_LOGIN, findingsOf, listenLoopback, verdictOf } from "./scan-helpers.js";

const demo = demoPool();
const CHECKS = [xxeCheck, xmlExpansionCheck, yamlExpansionCheck];

async function scanDemoWith(flaws: string, checks: readonly ScanCheck[] = CHECKS): Promise<Report> {
  const api = await demo(flaws);
  return runScan({ target: api.url, login: DEMO_LOGIN, profile: "full" }, { catalog, checks });
}

const runOf = (report: Report, id: string) => report.checks.find((c) => c.id === id);

describe("PROC-04 XXE through the loopback callback listener", () => {
  test("xxe: an external entity pointing at the listener is fetched (evidence: the hit)", async () => {
    const report = await scanDemoWith("xxe", [xxeCheck]);
    const [finding] = findingsOf(report, "proc-04-xxe");
    assert.ok(finding, JSON.stringify(report.checks));
    assert.equal(finding.title, "XML external entity resolved");
    assert.match(
      finding.evidence.note ?? "",
      /callback listener hit: GET \/rampart\/xxe-entity-[0-9a-f]{16}/,
    );
    assert.match(
      finding.evidence.request ?? "",
      /POST \/api\/orders\/import .*SYSTEM "http:\/\/127\.0\.0\.1:\d+\/rampart\/xxe-entity-/,
    );
    assert.equal(verdictOf(report, "PROC-04").verdict, "fail");
  });

  test("hardened (DOCTYPE refused): silent, PROC-04 passes", async () => {
    const report = await scanDemoWith("none", [xxeCheck]);
    assert.deepEqual(report.findings, []);
    assert.equal(verdictOf(report, "PROC-04").verdict, "pass");
  });

  test("entities expanded but external ones refused (xml-entity-expansion only): no XXE", async () => {
    const report = await scanDemoWith("xml-entity-expansion", [xxeCheck]);
    assert.deepEqual(findingsOf(report, "proc-04-xxe"), []);
  });

  test("a local file echoed back is found by its signature (root:x:0:0:)", async () => {
    const api = await xmlApi((body) =>
      body.includes("file:///etc/passwd")
        ? { status: 200, text: "<r>root:x:0:0:root:/root:/bin/bash</r>" }
        : { status: 400, text: "<error>bad</error>" },
    );
    try {
      const report = await runScan(
        { target: api.url, profile: "full" },
        { catalog, checks: [xxeCheck] },
      );
      const finding = findingsOf(report, "proc-04-xxe").find((f) => f.severity === "critical");
      assert.ok(finding, JSON.stringify(report.findings.map((f) => f.title)));
      assert.match(finding.evidence.request ?? "", /file:\/\/\/etc\/passwd/);
    } finally {
      await api.close();
    }
  });

  test("the listener records method and tokened path, and answers short text", async () => {
    const listener = await startCallbackListener();
    try {
      const url = listener.url("probe");
      const res = await send(url);
      assert.equal(res.body, CALLBACK_BODY);
      const [hit] = listener.hits(new URL(url).pathname);
      assert.equal(hit?.method, "GET");
      assert.equal(hit?.path, new URL(url).pathname);
      assert.deepEqual(listener.hits("/rampart/other"), []);
    } finally {
      await listener.close();
    }
  });

  test("the listener is offered to loopback targets only", () => {
    assert.equal(isLoopbackHost("127.0.0.1"), true);
    assert.equal(isLoopbackHost("[::1]"), true);
    assert.equal(isLoopbackHost("localhost"), true);
    assert.equal(isLoopbackHost("api.example.com"), false);
    assert.equal(isLoopbackHost("10.0.0.1"), false);
  });
});

describe("PROC-05 entity and alias expansion (bounded bombs)", () => {
  test("xml-entity-expansion: the billion-laughs probe is answered like its expansion", async () => {
    const report = await scanDemoWith("xml-entity-expansion", [xmlExpansionCheck]);
    const [finding] = findingsOf(report, "proc-05-xml-entity-expansion");
    assert.ok(finding, JSON.stringify(report.checks));
    assert.equal(finding.title, "XML entity expansion not limited");
    assert.match(finding.evidence.request ?? "", /3 levels x 10 entity references, 1000 copies/);
    assert.equal(verdictOf(report, "PROC-05").verdict, "fail");
  });

  test("yaml-alias-expansion: the alias probe is answered like its expansion", async () => {
    const report = await scanDemoWith("yaml-alias-expansion", [yamlExpansionCheck]);
    const [finding] = findingsOf(report, "proc-05-yaml-alias-expansion");
    assert.ok(finding, JSON.stringify(report.checks));
    assert.equal(finding.title, "YAML alias expansion not limited");
  });

  test("hardened: DOCTYPE and aliases refused, both checks silent, PROC-05 passes", async () => {
    const report = await scanDemoWith("none", [xmlExpansionCheck, yamlExpansionCheck]);
    assert.deepEqual(report.findings, []);
    assert.equal(runOf(report, "proc-05-xml-entity-expansion")?.status, "ran");
    assert.equal(runOf(report, "proc-05-yaml-alias-expansion")?.status, "ran");
    assert.equal(verdictOf(report, "PROC-05").verdict, "pass");
  });

  test("xxe only (DTDs read, expansion capped): the XML bomb is refused, no finding", async () => {
    const report = await scanDemoWith("xxe", [xmlExpansionCheck]);
    assert.deepEqual(report.findings, []);
  });

  test("a parser that echoes the expanded text is caught by the marker count", async () => {
    const api = await xmlApi((body) => {
      const mark = /<!ENTITY a "(\w+)">/.exec(body)?.[1];
      return mark
        ? { status: 200, text: `<r>${mark.repeat(1000)}</r>` }
        : { status: 400, text: "<error>bad</error>" };
    });
    try {
      const report = await runScan(
        { target: api.url, profile: "full" },
        { catalog, checks: [xmlExpansionCheck] },
      );
      const [finding] = findingsOf(report, "proc-05-xml-entity-expansion");
      assert.ok(finding);
      assert.match(finding.evidence.note ?? "", /1000 markers in the answer/);
    } finally {
      await api.close();
    }
  });

  test("a server that answers every document alike proves nothing: not tested", async () => {
    const api = await xmlApi(() => ({ status: 200, text: "<ok/>" }));
    try {
      const report = await runScan(
        { target: api.url, profile: "full" },
        { catalog, checks: [xmlExpansionCheck] },
      );
      assert.deepEqual(report.findings, []);
      assert.equal(runOf(report, "proc-05-xml-entity-expansion")?.status, "not_tested");
    } finally {
      await api.close();
    }
  });

  test("the bombs stay small: 1000 copies of an 8-letter marker expanded", () => {
    const xml = xmlBomb("zzzzzzzz");
    const yaml = yamlBomb("zzzzzzzz");
    assert.ok(xml.bomb.length < 400 && yaml.bomb.length < 200);
    assert.equal(xml.literal.split("zzzzzzzz").length - 1, 1000);
    assert.equal(yaml.literal.split("zzzzzzzz").length - 1, 1110);
  });
});

/** A loopback API with one XML operation (its OpenAPI document at /openapi.json). */
async function xmlApi(answer: (body: string) => { status: number; text: string }) {
  const document = {
    openapi: "3.0.3",
    info: { title: "xml", version: "1" },
    paths: {
      "/import": {
        post: {
          requestBody: { content: { "application/xml": { schema: { type: "string" } } } },
          responses: { "200": { description: "ok" } },
        },
      },
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      if (req.url === "/openapi.json") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(document));
        return;
      }
      if (req.method === "POST" && req.url === "/import") {
        const { status, text } = answer(body);
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(text);
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"not found"}');
    });
  });
  return listenLoopback(server);
}
