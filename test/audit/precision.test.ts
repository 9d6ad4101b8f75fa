// Regression tests for the false positives found on real public API descriptions (issue 16,
// bench/audit/labels.tsv): each shape is silent or info now, and the true positive beside it stays.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { auditDocument } from "../../src/audit/engine.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Finding } from "../../src/core/finding.js";
import { loadOpenApiFile } from "../../src/openapi/load.js";
import { fixture } from "../helpers/cli.js";

let findings: Finding[] = [];
before(async () => {
  const doc = await loadOpenApiFile(fixture("openapi/precision/public-api-shapes.yaml"));
  findings = auditDocument(doc, { catalog: loadCatalog() }).findings;
});

/** `severity pointer` of a rule's findings whose pointer contains `near`. */
function seen(rule: string, near: string): string[] {
  return findings
    .filter((f) => f.checkId === rule && f.location.kind === "document")
    .filter((f) => f.location.kind === "document" && f.location.pointer.includes(near))
    .map((f) => `${f.severity} ${f.location.kind === "document" ? f.location.pointer : ""}`);
}

describe("identifiers are not credentials", () => {
  it("a Twilio {Sid} path parameter is not a credential in the URL", () => {
    assert.deepEqual(seen("secret-in-url", "Addresses"), []);
  });
  it("a Twilio sid response property (fixed length, pattern) is not a session id", () => {
    assert.deepEqual(seen("secret-in-response", "/sid"), []);
  });
  it("Stripe's {authorization} path id is not an Authorization credential", () => {
    assert.deepEqual(seen("secret-in-url", "authorizations"), []);
  });
  it("a token in a path that is not its collection's item stays a credential in the URL", () => {
    assert.deepEqual(seen("secret-in-url", "password-resets"), [
      "high /paths/~1password-resets~1{token}/get/parameters/0",
    ]);
  });
  it("a client_secret in the query stays a credential in the URL", () => {
    assert.deepEqual(seen("secret-in-url", "payment_intents"), [
      "high /paths/~1v1~1payment_intents~1{intent}/get/parameters/1",
    ]);
  });
});

describe("references and issued secrets", () => {
  it("an expandable id-or-object reference (Stripe authorization) is not a secret", () => {
    assert.deepEqual(seen("secret-in-response", "Transaction"), []);
  });
  it("a $ref to a secret object (Kubernetes SecretVolumeSource) is a reference, not a secret", () => {
    assert.deepEqual(seen("secret-not-write-only", "Volume"), [
      "info /components/schemas/Volume/properties/password",
    ]);
  });
  it("a key-creation response returning its secret once is info with the advice to show it once", () => {
    const key = findings.find((f) => f.id.includes("NewKey/properties/secret"));
    assert.equal(key?.severity, "info");
    assert.match(key?.remediation ?? "", /Return it once, at creation/);
  });
  it("a secret documented as only returned at creation is info", () => {
    assert.deepEqual(seen("secret-in-response", "WebhookEndpoint"), [
      "info /components/schemas/WebhookEndpoint/properties/secret",
    ]);
  });
  it("a secret the document shows masked is info", () => {
    assert.deepEqual(seen("secret-in-response", "HookConfig"), [
      "info /components/schemas/HookConfig/properties/secret",
    ]);
  });
  it("Stripe client_secret is traced to the operation that really returns it, not GET /v1/account", () => {
    const secret = findings.find((f) => f.id.includes("PaymentIntent/properties/client_secret"));
    assert.equal(secret?.severity, "high");
    assert.match(secret?.detail ?? "", /returned by GET \/v1\/payment_intents\/\{intent\}/);
  });
});

describe("the operation's purpose", () => {
  it("a role granted to a member (the operation's purpose) is info, not mass assignment", () => {
    assert.deepEqual(seen("privileged-property-writable", "memberships"), [
      "info /paths/~1orgs~1{org}~1memberships~1{username}/put/requestBody/content/application~1json/schema/properties/role",
    ]);
  });
  it("a role on the caller's own profile stays high", () => {
    assert.deepEqual(seen("privileged-property-writable", "~1me/"), [
      "high /paths/~1me/patch/requestBody/content/application~1json/schema/properties/role",
    ]);
  });
  it("public playlists are not user-id-in-path BOLA; creating one in the user named by the path is", () => {
    assert.deepEqual(seen("user-id-in-path", "playlists"), [
      "medium /paths/~1users~1{user_id}~1playlists/post",
    ]);
    assert.deepEqual(seen("user-id-in-path", "followers"), []);
    assert.deepEqual(seen("user-id-in-path", "orders"), [
      "medium /paths/~1users~1{userId}~1orders",
    ]);
  });
  it("a GET with an empty closed form body (Stripe) takes no body; one with fields does", () => {
    assert.deepEqual(seen("method-semantics", "authorizations"), []);
    assert.deepEqual(seen("method-semantics", "search"), [
      "medium /paths/~1v1~1search/get/requestBody",
    ]);
  });
  it("a page size whose description states the maximum is low; one without stays medium", () => {
    assert.deepEqual(seen("unbounded-input", "webhook_endpoints/get/parameters/0"), [
      "low /paths/~1webhook_endpoints/get/parameters/0/schema",
    ]);
    assert.deepEqual(seen("unbounded-input", "hooks/get/parameters/0"), [
      "medium /paths/~1hooks/get/parameters/0/schema",
    ]);
  });
});
