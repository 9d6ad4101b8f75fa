// Rules fixed after the comparison with Spectral + the OWASP ruleset on public documents
// (bench/audit/RESULTS.md): each fixture holds the case Rampart missed and near misses that
// must stay silent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditDocument } from "../../src/audit/engine.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import { loadOpenApiFile } from "../../src/openapi/load.js";
import { fixture } from "../helpers/cli.js";

const catalog = loadCatalog();

/** The findings of one rule on a fixture: `pointer line severity` each, by line. */
async function hits(file: string, rule: string): Promise<string[]> {
  const doc = await loadOpenApiFile(fixture(`openapi/compare/${file}`));
  const { findings } = auditDocument(doc, { catalog });
  return findings
    .filter((f) => f.checkId === rule && f.location.kind === "document")
    .map((f) => (f.location.kind === "document" ? f.location : undefined))
    .sort((a, b) => (a?.line ?? 0) - (b?.line ?? 0))
    .map((at) => `${at?.pointer} ${at?.line}`);
}

describe("secret-in-url: tokens named after what they open are credentials in a URL", () => {
  it("finds cli_token in the path and user_token / inviteToken in the query, not page, idempotency or client tokens", async () => {
    assert.deepEqual(await hits("url-tokens.yaml", "secret-in-url"), [
      "/paths/~1sign_up~1{cli_token}/get/parameters/0 7",
      "/paths/~1keys/get/parameters/0 13",
      "/paths/~1keys/get/parameters/1 14",
    ]);
  });
});

describe("integer-id: an id that may be an integer is enumerable", () => {
  it("finds oneOf [integer, uuid] and anyOf [$ref integer], not oneOf of two string forms", async () => {
    assert.deepEqual(await hits("integer-or-uuid-id.yaml", "integer-id"), [
      "/paths/~1items~1{collection}~1{id}/parameters/1/schema 16",
      "/paths/~1orders~1{orderId}/get/parameters/0/schema 29",
    ]);
  });
});
