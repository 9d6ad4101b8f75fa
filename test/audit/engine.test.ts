import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditDocument } from "../../src/audit/engine.js";
import type { AuditRule } from "../../src/audit/rule.js";
import { loadCatalog } from "../../src/catalog/catalog.js";
import { loadOpenApiFile } from "../../src/openapi/load.js";
import { fixture } from "../helpers/cli.js";

const catalog = loadCatalog();
const file = fixture("openapi/engine/suppressions.yaml");

describe("auditDocument", () => {
  it("reports a schema shared by three operations once, at the schema, with the catalog's words", async () => {
    const { findings } = auditDocument(await loadOpenApiFile(file), { catalog });
    const shared = findings.filter((f) => f.checkId === "secret-in-response");
    assert.equal(shared.length, 1);
    const [finding] = shared;
    assert.deepEqual(finding?.location, {
      kind: "document",
      file,
      pointer: "/components/schemas/Account/properties/apiSecret",
      line: 56,
      column: 20,
    });
    assert.ok(finding?.remediation.startsWith(catalog.item("OUT-06").remediation));
    assert.deepEqual(finding?.evidence, { body: '{"type":"string"}' });
    assert.deepEqual(finding?.items, ["OUT-06", "AUTH-04"]);
    assert.ok((finding?.references.cwe.length ?? 0) > 0);
  });

  it("locates findings in the file a $ref points to, and ends on recursive schemas", async () => {
    const doc = await loadOpenApiFile(fixture("openapi/loader/v30.yaml"));
    const { findings } = auditDocument(doc, { catalog });
    const secret = findings.find((f) => f.checkId === "secret-in-response");
    assert.deepEqual(secret?.location, {
      kind: "document",
      file: fixture("openapi/loader/schemas.yaml"),
      pointer: "/User/properties/password",
      line: 7,
      column: 7,
    });
  });

  it("honours x-rampart-ignore with a reason, as a list on a path item or a map on a schema", async () => {
    const { findings, suppressed } = auditDocument(await loadOpenApiFile(file), { catalog });
    assert.deepEqual(suppressed.map((s) => [s.finding.checkId, s.reason]).sort(), [
      ["integer-id", "legacy ids, ownership checked on every request"],
      ["secret-in-response", 'the server masks it as "****"'],
    ]);
    assert.ok(!findings.some((f) => f.checkId === "integer-id"));
  });

  it("a suppression without a reason suppresses nothing and is itself reported", async () => {
    const { findings } = auditDocument(await loadOpenApiFile(file), { catalog });
    assert.ok(findings.some((f) => f.checkId === "basic-auth-scheme" && f.severity === "high"));
    const unjustified = findings.filter((f) => f.checkId === "suppression-without-reason");
    assert.equal(unjustified.length, 1);
    assert.equal(unjustified[0]?.severity, "info");
    assert.deepEqual(
      unjustified[0]?.location.kind === "document" ? unjustified[0].location.line : 0,
      51,
    );
  });

  it("applies the config's ignore entries, and warns about expired ones", async () => {
    const doc = await loadOpenApiFile(file);
    const { findings, suppressed, warnings } = auditDocument(doc, {
      catalog,
      today: new Date("2026-06-01T00:00:00Z"),
      ignore: [
        {
          check: "basic-auth-scheme",
          location: "#/components/securitySchemes",
          reason: "internal tool",
        },
        {
          check: "missing-error-responses",
          location: "/accounts/a",
          reason: "documented elsewhere",
        },
        { check: "no-rate-limit", reason: "gateway throttles", expires: "2026-05-31" },
      ],
    });
    assert.ok(!findings.some((f) => f.checkId === "basic-auth-scheme"));
    assert.ok(suppressed.some((s) => s.reason === "internal tool"));
    assert.ok(
      !findings.some(
        (f) =>
          f.checkId === "missing-error-responses" &&
          f.location.kind === "document" &&
          f.location.pointer.startsWith("/paths/~1accounts~1a/"),
      ),
    );
    assert.ok(findings.some((f) => f.checkId === "no-rate-limit"));
    assert.deepEqual(warnings, [
      'ignore entry for "no-rate-limit" expired on 2026-05-31: it no longer suppresses anything',
    ]);
  });

  it("reports a rule that throws as an error run, not a crash", async () => {
    const broken: AuditRule = {
      id: "broken-rule",
      items: ["IN-04"],
      severity: "low",
      title: "broken",
      tags: ["test"],
      looksFor: "nothing",
      example: "openapi: 3.1.0",
      fix: "none",
      run: () => {
        throw new Error("boom");
      },
    };
    const { findings, checks, outcomes } = auditDocument(await loadOpenApiFile(file), {
      catalog,
      rules: [broken],
    });
    assert.deepEqual(checks, [{ id: "broken-rule", status: "error", reason: "boom" }]);
    assert.equal(outcomes.get("IN-04")?.ran, false);
    assert.ok(findings.every((f) => f.checkId === "suppression-without-reason"));
  });
});
