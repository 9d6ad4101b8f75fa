import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { generate } from "selfsigned";
import type { DemoApi } from "../../demo/server.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { plainHttpCheck } from "../../src/scan/checks/transport/plain-http.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanOptions } from "../../src/scan/options.js";
import { logSink } from "../guard/helpers.js";
import { startDemo } from "../helpers/demo-client.js";
import { catalog, findingsOf, verdictOf } from "./scan-helpers.js";

/**
 * A plain-HTTP variant of https://host:port is the same host on port 80, an origin the target
 * itself redirects to, or an origin in the scan's scope. Any other port is another origin (RFC
 * 6454 4), perhaps another server: the upstream behind a gateway, on loopback.
 */
describe("ACC-02 plain-HTTP variants: another port is another origin", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-variants-"));
  let api: DemoApi;
  let guard: Guard;
  before(async () => {
    // HTTPS, and a plain-HTTP port that serves the API without a redirect; its document lists both.
    api = await startDemo("plain-http", { tlsPort: 0 });
    writeFileSync(join(dir, "openapi.json"), await (await fetch(`${api.url}/openapi.json`)).text());
    const pems = await generate([{ name: "commonName", value: "localhost" }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
    });
    writeFileSync(join(dir, "cert.pem"), pems.cert);
    writeFileSync(join(dir, "key.pem"), pems.private);
    guard = await startGuard({
      table: buildRouteTable(
        {
          listen: "127.0.0.1:0",
          upstream: api.url,
          tls: { cert: "cert.pem", key: "key.pem" },
          routes: [{ path: "/health", public: true }],
        },
        { source: "test" },
        dir,
      ),
      log: logSink(),
    });
  });
  after(async () => {
    await guard.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = (options: Partial<ScanOptions> & { target: string }) =>
    runScan(
      { openapi: join(dir, "openapi.json"), ...options },
      { catalog, checks: [plainHttpCheck] },
    );

  test("regression: an upstream's plain-HTTP server URL on another port is not blamed on the target", async () => {
    const report = await scan({ target: guard.url });
    assert.deepEqual(
      findingsOf(report, "acc-02-plain-http").map((f) => f.detail),
      [],
    );
    assert.notEqual(verdictOf(report, "ACC-02").verdict, "fail");
  });

  test("the target's own document server on another port stays silent without --scope", async () => {
    const report = await scan({ target: api.tlsUrl as string });
    assert.deepEqual(
      findingsOf(report, "acc-02-plain-http").map((f) => f.detail),
      [],
    );
  });

  test("with that origin in --scope, plain HTTP without a redirect is found, with evidence", async () => {
    const report = await scan({ target: api.tlsUrl as string, scope: [api.url] });
    const findings = findingsOf(report, "acc-02-plain-http");
    assert.deepEqual(
      findings.map((f) => f.title),
      ["Plain HTTP served without a redirect to HTTPS"],
    );
    assert.match(findings[0]?.detail ?? "", new RegExp(api.url.replace(/[.]/g, "\\.")));
    assert.equal(verdictOf(report, "ACC-02").verdict, "fail");
  });
});
