// Regression tests for the false positives of user-id-in-path and secret-in-response left after
// the first round on real public API descriptions (issue 16, bench/audit/labels.tsv): each shape
// is silent or info now, and the true positive beside it stays.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { auditDocument } from "../../src/audit/engine.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Finding } from "../../src/core/finding.js";
import { loadOpenApiFile } from "../../src/openapi/load.js";
import { fixture } from "../helpers/cli.js";

const catalog = loadCatalog();
let business: Finding[] = [];
let shop: Finding[] = [];
before(async () => {
  const load = async (name: string) =>
    auditDocument(await loadOpenApiFile(fixture(`openapi/precision/${name}`)), { catalog })
      .findings;
  business = await load("business-api-shapes.yaml");
  shop = await load("shop-with-customer-login.yaml");
});

/** `severity pointer` of a rule's findings whose pointer contains `near`. */
function seen(findings: readonly Finding[], rule: string, near: string): string[] {
  return findings.flatMap((f) =>
    f.checkId === rule && f.location.kind === "document" && f.location.pointer.includes(near)
      ? [`${f.severity} ${f.location.pointer}`]
      : [],
  );
}

describe("user-id-in-path: whose resource the path names", () => {
  it("Stripe customers in an API for businesses are the caller's records, not other users", () => {
    assert.deepEqual(seen(business, "user-id-in-path", "customers"), []);
  });
  it("a connected account chosen by the path (Stripe Connect) stays a candidate", () => {
    assert.deepEqual(seen(business, "user-id-in-path", "accounts"), [
      "medium /paths/~1v1~1accounts~1{account}~1persons",
    ]);
  });
  it("customers of a shop where customers log in stay a candidate", () => {
    assert.deepEqual(seen(shop, "user-id-in-path", "customers"), [
      "medium /paths/~1customers~1{customerId}~1orders",
    ]);
  });
  it("GitHub org members' codespaces (a user scoped by the org) are not user-id-in-path", () => {
    assert.deepEqual(seen(business, "user-id-in-path", "members"), []);
  });
  it("a repository collaborator's permission (a user scoped by the repository) is not either", () => {
    assert.deepEqual(seen(business, "user-id-in-path", "collaborators"), []);
  });
  it("GitHub attestations bulk-list, a read by POST, is not a write into the user named by the path", () => {
    assert.deepEqual(seen(business, "user-id-in-path", "bulk-list"), []);
  });
  it("deleting another user's attestation stays a candidate", () => {
    assert.deepEqual(seen(business, "user-id-in-path", "attestations"), [
      "medium /paths/~1users~1{username}~1attestations~1{digest}/delete",
    ]);
  });
});

describe("secret-in-response: secrets that are the operation's subject", () => {
  it("the detected secret of a GitHub secret-scanning alert is info, with the advice to mask it", () => {
    const alert = business.find((f) => f.id.includes("Alert/properties/secret"));
    assert.equal(alert?.severity, "info");
    assert.match(alert?.remediation ?? "", /mask the value by default/);
  });
  it("a secret described as detected outside an alert stays high", () => {
    assert.deepEqual(seen(business, "secret-in-response", "Config"), [
      "high /components/schemas/Config/properties/secret",
    ]);
  });
  it("Twilio's TURN password issued by POST Tokens.json is info, issued once", () => {
    const turn = business.find((f) => f.id.includes("TurnToken/properties/password"));
    assert.equal(turn?.severity, "info");
    assert.match(turn?.detail ?? "", /a credential the API issues/);
  });
  it("a password returned by POST /login stays high", () => {
    assert.deepEqual(seen(business, "secret-in-response", "Session"), [
      "high /components/schemas/Session/properties/password",
    ]);
  });
});
