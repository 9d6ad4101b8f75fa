// What `rampart audit` reads (issue 16, item 4): standard input, several files and globs in one
// report, and a document at a URL (loopback only here), with fetch errors that say why.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";

const SIGNAL = "test/fixtures/openapi/signal";
const MIXED = `${SIGNAL}/mixed.yaml`;
const SECOND = `${SIGNAL}/second.yaml`;

interface JsonReport {
  readonly target: string;
  readonly notes?: string[];
  readonly findings: { id: string; checkId: string; location: { file: string; line?: number } }[];
}
const files = (r: JsonReport) => [...new Set(r.findings.map((f) => f.location.file))].sort();

describe("rampart audit - (standard input)", () => {
  it("audits the document piped in, named <stdin> in the report", async () => {
    const { code, stdout, stderr } = await runCli(["audit", "-", "--format", "json"], {
      stdin: readFileSync(MIXED, "utf8"),
    });
    assert.equal(stderr, "");
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as JsonReport;
    assert.equal(report.target, "<stdin>");
    const url = report.findings.find((f) => f.checkId === "secret-in-url");
    assert.deepEqual(url?.location.file, "<stdin>");
    assert.equal(url?.location.line, 11);
  });

  it("reports an empty or broken standard input as an input error (exit 2, one line)", async () => {
    const empty = await runCli(["audit", "-"], { stdin: "" });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /^rampart: ERR_OPENAPI_\w+ <stdin>/);
    assert.equal(empty.stderr.split("\n").length, 2);
    const none = await runCli(["audit", "-"]);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, "rampart: ERR_OPENAPI_READ <stdin>: no standard input to read\n");
  });

  it("reads standard input once per run", async () => {
    const twice = await runCli(["audit", "-", "-"], { stdin: "{}" });
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /ERR_USAGE standard input \(-\) can be audited once per run/);
  });
});

describe("several documents in one run", () => {
  it("writes one report with the findings of each file, and a line per file", async () => {
    const { code, stdout } = await runCli(["audit", MIXED, SECOND, "--format", "json"]);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as JsonReport;
    assert.equal(report.target, "2 documents");
    assert.deepEqual(files(report), [MIXED, SECOND]);
    assert.ok(report.findings.some((f) => f.checkId === "basic-auth-scheme"));
    assert.ok(report.findings.some((f) => f.checkId === "secret-in-url"));
    assert.match(
      report.notes?.[0] ?? "",
      /^test\/fixtures\/openapi\/signal\/mixed\.yaml: \d+ findings \(.*1 high.*\), 2 operations$/,
    );
    assert.match(report.notes?.[1] ?? "", /second\.yaml: 1 finding \(1 high\), 0 operations$/);
    const ids = report.findings.map((f) => f.id);
    assert.equal(ids.length, new Set(ids).size);
  });

  it("is one document's report with one file: no per-file notes", async () => {
    const { stdout } = await runCli(["audit", MIXED, "--format", "json"]);
    const report = JSON.parse(stdout) as JsonReport;
    assert.equal(report.target, MIXED);
    assert.equal(report.notes, undefined);
  });

  it("expands a quoted glob, sorted, and audits a file named twice once", async () => {
    const { stdout } = await runCli(["audit", `${SIGNAL}/*.yaml`, MIXED, "--format", "json"]);
    const report = JSON.parse(stdout) as JsonReport;
    assert.deepEqual(files(report), [MIXED, SECOND]);
    assert.equal(report.notes?.length, 2);
    const deep = await runCli(["audit", "test/fixtures/openapi/**/sec*.yaml", "--format", "json"]);
    assert.deepEqual(files(JSON.parse(deep.stdout) as JsonReport).includes(SECOND), true);
  });

  it("refuses a glob that matches nothing (exit 2)", async () => {
    const { code, stderr } = await runCli(["audit", `${SIGNAL}/*.json`]);
    assert.equal(code, 2);
    assert.equal(stderr, `rampart: ERR_USAGE no file matches "${SIGNAL}/*.json"\n`);
  });

  it("stops at the first document that cannot be read, naming it", async () => {
    const { code, stderr } = await runCli(["audit", MIXED, `${SIGNAL}/missing.yaml`]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      `rampart: ERR_OPENAPI_READ ${SIGNAL}/missing.yaml: cannot read: no such file\n`,
    );
  });
});

describe("rampart audit <URL>", () => {
  let server: Server;
  let base = "";
  before(async () => {
    const doc = readFileSync(MIXED, "utf8");
    server = createServer((req, res) => {
      if (req.url === "/openapi.yaml") {
        res.setHeader("content-type", "application/yaml");
        res.end(doc);
      } else if (req.url === "/moved") {
        res.writeHead(302, { location: "/openapi.yaml" }).end();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it("fetches and audits the document, locations naming the URL", async () => {
    const { code, stdout } = await runCli(["audit", `${base}/openapi.yaml`, "--format", "json"]);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as JsonReport;
    assert.equal(report.target, `${base}/openapi.yaml`);
    assert.deepEqual(files(report), [`${base}/openapi.yaml`]);
  });

  it("says why a fetch failed: the status, a refused redirect, a refused connection", async () => {
    const missing = await runCli(["audit", `${base}/nothing.yaml`]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `rampart: ERR_OPENAPI_READ ${base}/nothing.yaml: HTTP 404\n`);
    const moved = await runCli(["audit", `${base}/moved`]);
    assert.equal(moved.code, 2);
    assert.match(
      moved.stderr,
      /^rampart: ERR_OPENAPI_READ .*\/moved: cannot fetch: redirect refused/,
    );
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const refused = await runCli(["audit", `http://127.0.0.1:${port}/openapi.yaml`]);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      `rampart: ERR_OPENAPI_READ http://127.0.0.1:${port}/openapi.yaml: cannot fetch: connection refused (ECONNREFUSED)\n`,
    );
  });
});
