import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";

const RULES = "test/fixtures/openapi/rules";
const tmp = mkdtempSync(join(tmpdir(), "rampart-audit-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("rampart audit", () => {
  it("exits 1 on a high finding and writes the JSON report with line and column", async () => {
    const { code, stdout, stderr } = await runCli([
      "audit",
      `${RULES}/basic-auth-scheme.yaml`,
      "--format",
      "json",
    ]);
    assert.equal(stderr, "");
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.kind, "audit");
    assert.equal(report.target, `${RULES}/basic-auth-scheme.yaml`);
    const basic = report.findings.find(
      (f: { checkId: string }) => f.checkId === "basic-auth-scheme",
    );
    assert.deepEqual(basic.location, {
      kind: "document",
      file: `${RULES}/basic-auth-scheme.yaml`,
      pointer: "/components/securitySchemes/basic",
      line: 9,
      column: 7,
    });
    assert.equal(report.items.find((i: { id: string }) => i.id === "AUTH-01").verdict, "fail");
  });

  it("exits 0 on a careful design, and on findings below --fail-on", async () => {
    const clean = await runCli([
      "audit",
      `${RULES}/clean.yaml`,
      "--format",
      "json",
      "--fail-on",
      "info",
    ]);
    assert.equal(clean.code, 0);
    assert.deepEqual(JSON.parse(clean.stdout).findings, []);
    const low = await runCli(["audit", `${RULES}/no-rate-limit.yaml`, "--format", "json"]);
    assert.equal(low.code, 0);
    const strict = await runCli([
      "audit",
      `${RULES}/no-rate-limit.yaml`,
      "--format",
      "json",
      "--fail-on",
      "low",
    ]);
    assert.equal(strict.code, 1);
    const none = await runCli([
      "audit",
      `${RULES}/basic-auth-scheme.yaml`,
      "--format",
      "json",
      "--fail-on",
      "none",
    ]);
    assert.equal(none.code, 0);
  });

  it("prints the text report by default", async () => {
    const { code, stdout } = await runCli(["audit", `${RULES}/basic-auth-scheme.yaml`]);
    assert.equal(code, 1);
    assert.match(stdout, /basic-auth-scheme/);
    assert.match(stdout, /basic-auth-scheme\.yaml:9:7/);
  });

  it("fetches remote $refs only with --allow-remote-refs (loopback server)", async () => {
    const server = createServer((_req, res) => {
      res.setHeader("content-type", "application/yaml");
      res.end("Basic:\n  type: http\n  scheme: basic\n");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const { port } = server.address() as AddressInfo;
      const file = join(tmp, "remote.yaml");
      writeFileSync(
        file,
        `openapi: 3.0.3\ninfo: { title: r, version: "1" }\npaths: {}\ncomponents:\n  securitySchemes:\n    basic:\n      $ref: "http://127.0.0.1:${port}/schemes.yaml#/Basic"\n`,
      );
      const refused = await runCli(["audit", file, "--format", "json"]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^rampart: ERR_OPENAPI_REMOTE_REF /);
      const allowed = await runCli(["audit", file, "--format", "json", "--allow-remote-refs"]);
      assert.equal(allowed.code, 1);
      const basic = JSON.parse(allowed.stdout).findings.find(
        (f: { checkId: string }) => f.checkId === "basic-auth-scheme",
      );
      assert.equal(basic.location.file, `http://127.0.0.1:${port}/schemes.yaml`);
      assert.equal(basic.location.line, 2);
    } finally {
      server.close();
    }
  });

  it("writes -o FORMAT=FILE outputs", async () => {
    const out = join(tmp, "audit.json");
    const { code, stdout } = await runCli(["audit", `${RULES}/clean.yaml`, "-o", `json=${out}`]);
    assert.equal(code, 0);
    assert.equal(stdout, "");
    assert.equal(JSON.parse(readFileSync(out, "utf8")).kind, "audit");
  });

  it("applies the config file's ignore list", async () => {
    const { code, stdout, stderr } = await runCli([
      "audit",
      `${RULES}/basic-auth-scheme.yaml`,
      "--format",
      "json",
      "--config",
      "test/fixtures/openapi/config/ignore.yaml",
    ]);
    assert.equal(code, 0);
    assert.ok(
      !JSON.parse(stdout).findings.some(
        (f: { checkId: string }) => f.checkId === "basic-auth-scheme",
      ),
    );
    assert.equal(stderr, "1 finding(s) suppressed with a reason\n");
  });

  it("refuses an ignore entry without a reason (exit 2)", async () => {
    const { code, stderr } = await runCli([
      "audit",
      `${RULES}/clean.yaml`,
      "--config",
      "test/fixtures/openapi/config/ignore-no-reason.yaml",
    ]);
    assert.equal(code, 2);
    assert.match(stderr, /^rampart: ERR_CONFIG_INVALID /);
    assert.match(stderr, /\/ignore\/0/);
  });

  it("reports input errors as one line with a stable code, exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["audit", "test/fixtures/openapi/loader/invalid.yaml"],
        /^rampart: ERR_OPENAPI_INVALID test\/fixtures\/openapi\/loader\/invalid\.yaml:10:11: \/paths\/~1a\/get\/responses\/200: must have required property 'description'\n$/,
      ],
      [
        ["audit", "test/fixtures/openapi/loader/remote.yaml"],
        /^rampart: ERR_OPENAPI_REMOTE_REF test\/fixtures\/openapi\/loader\/remote\.yaml:10:11: .*--allow-remote-refs.*\n$/,
      ],
      [
        ["audit", "nope.yaml"],
        /^rampart: ERR_OPENAPI_READ nope\.yaml: cannot read: no such file\n$/,
      ],
      [
        ["audit", `${RULES}/clean.yaml`, "--fail-on", "severe"],
        /^rampart: ERR_USAGE --fail-on must be critical, high, medium, low, info or none \(got "severe"\)/,
      ],
      [["audit", `${RULES}/clean.yaml`, "--format", "pdf"], /^rampart: ERR_USAGE /],
    ];
    for (const [args, expected] of cases) {
      const { code, stdout, stderr } = await runCli(args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      assert.match(stderr, expected);
    }
  });

  it("writes SARIF with physical locations that code scanning annotates", async () => {
    const { code, stdout } = await runCli([
      "audit",
      `${RULES}/basic-auth-scheme.yaml`,
      "--format",
      "sarif",
      "--fail-on",
      "none",
    ]);
    assert.equal(code, 0);
    const sarif = JSON.parse(stdout);
    assert.equal(sarif.version, "2.1.0");
    const result = sarif.runs[0].results.find(
      (r: { ruleId: string }) => r.ruleId === "basic-auth-scheme",
    );
    const physical = result.locations[0].physicalLocation;
    assert.equal(physical.artifactLocation.uri, `${RULES}/basic-auth-scheme.yaml`);
    assert.equal(physical.region.startLine, 9);
    assert.equal(physical.region.startColumn, 7);
  });
});
