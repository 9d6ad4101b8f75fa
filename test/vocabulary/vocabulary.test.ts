import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auditDocument } from "../../src/audit/engine.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import { loadConfig } from "../../src/config.js";
import { RampartError } from "../../src/core/errors.js";
import { parseYaml } from "../../src/core/yaml.js";
import { loadOpenApiText } from "../../src/openapi/load.js";
import { buildVocabulary, DEFAULT_VOCABULARY } from "../../src/vocabulary/vocabulary.js";

const v = DEFAULT_VOCABULARY;

describe("vocabulary: the defaults", () => {
  test("admin areas are recognised by whole path segment, not by substring", () => {
    assert.equal(v.isAdminPath("/admin/users/{id}"), true);
    assert.equal(v.isAdminPath("/api/Internal/stats"), true);
    assert.equal(v.isAdminPath("/api/administrators-guide"), false);
    assert.equal(v.isAdminPath("/api/badminton/courts"), false);
  });

  test("user ids are named in any case style; a bare user name is a reference, not an id", () => {
    for (const name of ["userId", "user_id", "USER-ID", "accountUuid", "uid", "ownerId"])
      assert.equal(v.isUserIdName(name), true, name);
    for (const name of ["username", "id", "orderId", "users", "userAgent"])
      assert.equal(v.isUserIdName(name), false, name);
    assert.equal(v.isUserRefName("username"), true);
    assert.equal(v.isUserRefName("owner"), true);
    assert.equal(v.isUserRefName("userAgent"), false);
    assert.equal(v.isUserSegment("Customers"), true);
    assert.equal(v.isUserSegment("orders"), false);
  });

  test("privileged, private and secret names are normalised before they are compared", () => {
    for (const name of ["isAdmin", "is-admin", "IS_ADMIN", "role", "credit", "emailVerified"])
      assert.equal(v.isPrivilegedName(name), true, name);
    for (const name of ["title", "adminNote", "description"])
      assert.equal(v.isPrivilegedName(name), false, name);
    assert.equal(v.isPrivateField("passwordHash"), true);
    assert.equal(v.isPrivateField("bio"), false);
    assert.equal(v.isSecretName("client_secret"), true);
    assert.equal(v.isSecretName("passwordPolicy"), false);
    assert.equal(v.isTokenName("accessToken"), true);
  });

  test("an attacker's value for each privileged property; none for an owner's id", () => {
    assert.equal(v.privilegedValue("isAdmin"), true);
    assert.equal(v.privilegedValue("role"), "admin");
    assert.deepEqual(v.privilegedValue("roles"), ["admin"]);
    assert.equal(v.privilegedValue("credit"), 1_000_000);
    assert.equal(v.privilegedValue("ownerId"), undefined);
    assert.equal(v.privilegedValue("owner"), undefined);
  });
});

describe("vocabulary: additions", () => {
  test("extend every list and keep the defaults; the result is frozen", () => {
    const extended = buildVocabulary({
      adminSegments: ["backstage"],
      privilegedFields: ["loyaltyPoints"],
      secretNames: ["launchCode"],
      userNames: ["patient"],
    });
    assert.equal(extended.isAdminPath("/backstage/users"), true);
    assert.equal(extended.isAdminPath("/admin"), true);
    assert.equal(extended.isPrivilegedName("loyalty_points"), true);
    assert.equal(extended.isSecretName("launch_code"), true);
    assert.equal(extended.isUserIdName("patientId"), true);
    assert.equal(v.isAdminPath("/backstage/users"), false);
    assert.ok(Object.isFrozen(extended) && Object.isFrozen(extended.words.adminSegments));
  });

  test("rampart.yaml's vocabulary: section is validated: unknown keys and bad segments, all at once", () => {
    const text = "vocabulary:\n  adminSegments: [backstage, 'a/b']\n  adminPaths: [x]\n";
    try {
      loadConfig(parseYaml(text, "rampart.yaml"));
      assert.fail("expected ERR_CONFIG_INVALID");
    } catch (error) {
      assert.ok(error instanceof RampartError);
      assert.equal(error.code, "ERR_CONFIG_INVALID");
      const paths = error.problems.map((p) => p.path).sort();
      assert.deepEqual(paths, ["/vocabulary/adminPaths", "/vocabulary/adminSegments/1"]);
    }
    const config = loadConfig(parseYaml("vocabulary:\n  adminSegments: [backstage]\n", "r.yaml"));
    assert.deepEqual(config.vocabulary?.adminSegments, ["backstage"]);
  });

  test("audit: an added admin segment makes an explicitly public operation there a high finding", async () => {
    const doc = await loadOpenApiText(
      JSON.stringify({
        openapi: "3.0.3",
        info: { title: "t", version: "1" },
        security: [{ key: [] }],
        components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Key" } } },
        paths: {
          "/backstage/users": {
            get: { security: [], responses: { "200": { description: "users" } } },
          },
        },
      }),
      "inline.json",
    );
    const catalog = loadCatalog();
    const severityOf = (vocabulary = DEFAULT_VOCABULARY) =>
      auditDocument(doc, { catalog, vocabulary }).findings.find(
        (f) => f.checkId === "operation-without-security",
      )?.severity;
    assert.equal(severityOf(), "info");
    assert.equal(severityOf(buildVocabulary({ adminSegments: ["backstage"] })), "high");
  });
});
