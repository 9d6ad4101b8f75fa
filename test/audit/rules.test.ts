import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditDocument } from "../../src/audit/engine.js";
import { AUDIT_RULES } from "../../src/audit/registry.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import { loadOpenApiFile } from "../../src/openapi/load.js";
import { fixture } from "../helpers/cli.js";

const catalog = loadCatalog();

type Hit = [pointer: string, line: number, severity: string];

/** The findings of one rule on a fixture: [pointer, line, severity] each. */
async function hits(file: string, rule: string): Promise<Hit[]> {
  const doc = await loadOpenApiFile(fixture(`openapi/rules/${file}`));
  const { findings, checks } = auditDocument(doc, { catalog });
  assert.deepEqual(
    checks.filter((c) => c.status !== "ran"),
    [],
  );
  return findings
    .filter((f) => f.checkId === rule)
    .map((f): Hit => {
      assert.equal(f.location.kind, "document");
      return f.location.kind === "document"
        ? [f.location.pointer, f.location.line ?? 0, f.severity]
        : ["", 0, ""];
    })
    .sort((a, b) => a[1] - b[1]);
}

// Each case: the violating fixture (with near misses beside the violations) and every finding
// the rule must report on it, exactly: the near misses must stay silent.
const CASES: [rule: string, file: string, expected: Hit[]][] = [
  [
    "basic-auth-scheme",
    "basic-auth-scheme.yaml",
    [["/components/securitySchemes/basic", 9, "high"]],
  ],
  ["basic-auth-scheme", "basic-auth-scheme-20.yaml", [["/securityDefinitions/legacy", 6, "high"]]],
  [
    "secret-in-response",
    "secret-in-response.yaml",
    [
      [
        "/paths/~1sessions~1current/get/responses/200/content/application~1json/schema/properties/sessionToken",
        37,
        "medium",
      ],
      ["/components/schemas/User/properties/passwordHash", 46, "high"],
    ],
  ],
  [
    "secret-in-response",
    "secret-in-response-20.yaml",
    [["/definitions/User/properties/password", 18, "high"]],
  ],
  [
    "secret-not-write-only",
    "secret-not-write-only.yaml",
    [
      [
        "/paths/~1signup/post/requestBody/content/application~1json/schema/properties/password",
        15,
        "info",
      ],
    ],
  ],
  ["no-rate-limit", "no-rate-limit.yaml", [["/paths", 6, "low"]]],
  [
    "plain-http-url",
    "plain-http-url.yaml",
    [
      ["/servers/0/url", 4, "high"],
      ["/servers/1/url", 5, "info"],
      ["/components/securitySchemes/oauth/flows/authorizationCode/authorizationUrl", 16, "high"],
    ],
  ],
  ["plain-http-url", "plain-http-url-20.yaml", [["/schemes", 4, "high"]]],
  [
    "oauth-legacy-flow",
    "oauth-legacy-flow.yaml",
    [
      ["/components/securitySchemes/oauth/flows/implicit", 10, "high"],
      ["/components/securitySchemes/oauth/flows/password", 13, "high"],
    ],
  ],
  [
    "oauth-missing-scopes",
    "oauth-missing-scopes.yaml",
    [["/components/securitySchemes/oauth/flows/authorizationCode/scopes", 12, "medium"]],
  ],
  [
    "method-semantics",
    "method-semantics.yaml",
    [
      ["/paths/~1search/get/requestBody", 7, "medium"],
      ["/paths/~1things/get/responses/201", 22, "low"],
    ],
  ],
  [
    "request-media-type",
    "request-media-type.yaml",
    [["/paths/~1upload/post/requestBody/content/*~1*", 9, "medium"]],
  ],
  [
    "request-media-type",
    "request-media-type-20.yaml",
    [["/paths/~1things/post/parameters/0", 7, "low"]],
  ],
  [
    "response-media-type",
    "response-media-type.yaml",
    [["/paths/~1file/get/responses/200/content/*~1*", 11, "low"]],
  ],
  [
    "unbounded-input",
    "unbounded-input.yaml",
    [
      ["/paths/~1items/get/parameters/0/schema", 9, "medium"],
      [
        "/paths/~1items/post/requestBody/content/application~1json/schema/properties/name",
        23,
        "info",
      ],
    ],
  ],
  [
    "open-request-object",
    "open-request-object.yaml",
    [
      ["/paths/~1profile/patch/requestBody/content/application~1json/schema", 10, "low"],
      ["/paths/~1profile/put/requestBody/content/application~1json/schema", 21, "info"],
    ],
  ],
  [
    "id-without-format",
    "id-without-format.yaml",
    [["/paths/~1orders~1{orderId}/get/parameters/0/schema", 7, "info"]],
  ],
  [
    "secret-in-url",
    "secret-in-url.yaml",
    [
      ["/paths/~1reports/get/parameters/0", 7, "high"],
      ["/paths/~1reports/get/parameters/3", 10, "high"],
      ["/components/securitySchemes/key/in", 17, "high"],
    ],
  ],
  [
    "operation-without-security",
    "operation-without-security.yaml",
    [
      ["/paths/~1orders~1export/get", 11, "high"],
      ["/paths/~1status/get/security", 21, "info"],
      ["/paths/~1admin~1stats/get/security", 26, "high"],
      ["/paths/~1accounts/get/security", 31, "medium"],
    ],
  ],
  ["operation-without-security", "operation-without-security-none.yaml", [["", 1, "medium"]]],
  ["user-id-in-path", "user-id-in-path.yaml", [["/paths/~1users~1{userId}~1orders", 5, "medium"]]],
  ["integer-id", "integer-id.yaml", [["/paths/~1orders~1{id}/parameters/0/schema", 6, "medium"]]],
  [
    "integer-id",
    "integer-id-20.yaml",
    [["/paths/~1orders~1{orderId}/get/parameters/0", 7, "medium"]],
  ],
  [
    "multipart-upload",
    "multipart-upload.yaml",
    [
      ["/paths/~1avatars/post/requestBody/content/multipart~1form-data", 9, "low"],
      ["/paths/~1documents/post/requestBody/content/multipart~1form-data", 20, "info"],
    ],
  ],
  ["unpaginated-collection", "unpaginated-collection.yaml", [["/paths/~1orders/get", 6, "low"]]],
  ["long-running-sync", "long-running-sync.yaml", [["/paths/~1reports/post/responses", 8, "low"]]],
  [
    "missing-error-responses",
    "missing-error-responses.yaml",
    [["/paths/~1orders~1{id}/get/responses", 11, "info"]],
  ],
  [
    "privileged-property-writable",
    "privileged-property-writable.yaml",
    [
      [
        "/paths/~1projects~1{id}~1collaborators/post/requestBody/content/application~1json/schema/properties/role",
        22,
        "info",
      ],
      ["/components/schemas/ProfileUpdate/properties/isAdmin", 32, "high"],
    ],
  ],
];

describe("audit rules find the flaw, at the exact node", () => {
  for (const [rule, file, expected] of CASES)
    it(`${rule} on ${file}`, async () => {
      assert.deepEqual(await hits(file, rule), expected);
    });

  it("every registered rule has a violating case", () => {
    const covered = new Set(CASES.map(([rule]) => rule));
    assert.deepEqual(
      AUDIT_RULES.map((r) => r.id).filter((id) => !covered.has(id)),
      [],
    );
  });
});

describe("audit rules stay silent on a careful design", () => {
  it("clean.yaml (token endpoint, writeOnly password, paged lists, 202, scopes) has no finding", async () => {
    const doc = await loadOpenApiFile(fixture("openapi/rules/clean.yaml"));
    const { findings, checks } = auditDocument(doc, { catalog });
    assert.equal(checks.length, AUDIT_RULES.length);
    assert.deepEqual(
      findings.map(
        (f) => `${f.checkId} ${f.location.kind === "document" ? f.location.pointer : ""}`,
      ),
      [],
    );
  });
});
