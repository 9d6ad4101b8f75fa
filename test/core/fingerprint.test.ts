import assert from "node:assert/strict";
import { test } from "node:test";
import { findingFingerprint, stableText } from "../../src/core/fingerprint.js";
import { operationNamer } from "../../src/scan/operation-match.js";
import type { ScanOperation } from "../../src/scan/types.js";

function op(method: string, path: string): ScanOperation {
  return {
    method,
    path,
    url: `https://api.test${path}`,
    bodyTypes: [],
    secured: true,
    queryParameters: [],
    parameters: [],
    server: "https://api.test",
  };
}

test("fingerprint: a finding's operation is its documented template, whatever the concrete URL", () => {
  const name = operationNamer(new URL("https://api.test"), [
    op("GET", "/api/orders/{id}"),
    op("GET", "/api/users/me"),
    op("GET", "/api/users/{id}"),
  ]);
  assert.equal(name("GET", "https://api.test/api/orders/1006"), "GET /api/orders/{id}");
  assert.equal(name("GET", "https://api.test/api/orders/1018"), "GET /api/orders/{id}");
  assert.equal(name("GET", "https://api.test/api/users/me"), "GET /api/users/me");
  // Undocumented: random probe names and ids generalised, another origin kept in the name.
  assert.equal(name("GET", "https://api.test/rampart-07b467e5ea30"), "GET /{probe}");
  assert.equal(
    name("DELETE", "https://api.test/x/5f0c7d2a-8b1e-4c3f-9a6d-2e4b1c7f8a01/y/42"),
    "DELETE /x/{id}/y/{id}",
  );
  assert.equal(name("GET", "http://api.test/"), "GET http://api.test/");
});

test("fingerprint: same check, items, operation and subject give the same 32 hex digits; any of them changed, another", () => {
  const parts = { checkId: "out-07-status-codes", items: ["OUT-07"], where: "GET /{probe}" };
  const a = findingFingerprint({ ...parts, subject: "errors-as-200" });
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.equal(findingFingerprint({ ...parts, subject: "errors-as-200" }), a);
  assert.notEqual(findingFingerprint({ ...parts, subject: "malformed-500" }), a);
  assert.notEqual(
    findingFingerprint({ ...parts, where: "POST /{probe}", subject: "errors-as-200" }),
    a,
  );
  assert.notEqual(findingFingerprint({ ...parts, checkId: "x", subject: "errors-as-200" }), a);
  assert.equal(
    stableText("GET /rampart-07b467e5ea30/orders/1018 mismatch"),
    "GET /{probe}/orders/{id} mismatch",
  );
});
