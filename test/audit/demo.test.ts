import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FlawId, resolveFlaws } from "../../demo/flaws.js";
import { buildOpenApiDocument } from "../../demo/openapi.js";
import type { DemoContext } from "../../demo/types.js";
import { auditDocument } from "../../src/audit/engine.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Finding } from "../../src/core/finding.js";
import { atLeast } from "../../src/core/severity.js";
import { loadOpenApiText } from "../../src/openapi/load.js";

const catalog = loadCatalog();
const SERVER = "http://127.0.0.1:8088";

/** Audits the demo's own OpenAPI document with a selection of flaws switched on. */
async function auditDemo(selection: string): Promise<Finding[]> {
  const flaws = resolveFlaws(selection);
  // buildOpenApiDocument reads only the flaw switches and the base URL of its context.
  const context = {
    flaws,
    has: (flaw: FlawId) => flaws.has(flaw),
    baseUrl: () => SERVER,
  } as unknown as DemoContext;
  const text = JSON.stringify(buildOpenApiDocument(context, [SERVER]), null, 2);
  const doc = await loadOpenApiText(text, `demo-${selection}.json`);
  return auditDocument(doc, { catalog }).findings;
}

const summary = (findings: readonly Finding[]) =>
  findings
    .filter((f) => atLeast(f.severity, "low"))
    .map(
      (f) =>
        `${f.severity} ${f.checkId} ${f.location.kind === "document" ? f.location.pointer : ""}`,
    )
    .sort();

// Each design flaw of the demo, and the finding (rule, pointer, severity) it must produce.
const FLAWS: [flaw: string, expected: string][] = [
  ["basic-auth", "high basic-auth-scheme /components/securitySchemes/basicAuth"],
  [
    "password-hash-in-response",
    "high secret-in-response /components/schemas/User/properties/passwordHash",
  ],
  ["no-rate-limit", "low no-rate-limit /paths"],
  ["implicit-flow", "high oauth-legacy-flow /components/securitySchemes/oauth2/flows/implicit"],
  ["api-key-in-query", "high secret-in-url /components/securitySchemes/apiKeyAuth/in"],
  ["unbounded-input", "medium unbounded-input /paths/~1api~1orders/get/parameters/0/schema"],
  [
    "mass-assignment",
    "high privileged-property-writable /components/schemas/UserUpdate/properties/role",
  ],
  ["mass-assignment", "low open-request-object /components/schemas/UserUpdate"],
  [
    "unauthenticated-endpoint",
    "medium operation-without-security /paths/~1api~1users/get/security",
  ],
  ["admin-exposed", "high operation-without-security /paths/~1admin~1stats/get/security"],
  ["user-id-in-path", "medium user-id-in-path /paths/~1api~1users~1{id}~1orders"],
  ["sequential-ids", "medium integer-id /paths/~1api~1orders~1{id}/parameters/0/schema"],
  ["slow-sync-work", "low long-running-sync /paths/~1api~1reports/post/responses"],
];

describe("rampart audit on the demo's OpenAPI document", () => {
  for (const [flaw, expected] of FLAWS)
    it(`finds the ${flaw} flaw in the design: ${expected.split(" ")[1]}`, async () => {
      assert.ok(summary(await auditDemo(flaw)).includes(expected), expected);
    });

  it("finds every design flaw with all flaws on", async () => {
    const all = summary(await auditDemo("all"));
    for (const [, expected] of FLAWS) assert.ok(all.includes(expected), expected);
  });

  it("hardened (flaws: none): nothing at low or above", async () => {
    assert.deepEqual(summary(await auditDemo("none")), []);
  });

  it("hardened (flaws: none): every public operation says why it is public", async () => {
    const unexplained = (await auditDemo("none")).filter(
      (f) => f.checkId === "operation-without-security",
    );
    assert.deepEqual(unexplained, []);
  });

  it("the flaws that drop authentication get no x-rampart-public reason", async () => {
    const found = summary(await auditDemo("unauthenticated-endpoint,admin-exposed"));
    for (const op of ["~1api~1users/get", "~1admin~1users/get", "~1admin~1stats/get"])
      assert.ok(found.some((f) => f.includes(`operation-without-security /paths/${op}/security`)));
  });
});
