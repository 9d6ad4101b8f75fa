import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import { buildChecklist } from "../../src/catalog/checklist.js";
import { computeCoverage } from "../../src/catalog/coverage.js";
import { loadConfig } from "../../src/config.js";
import { parseYaml } from "../../src/core/yaml.js";

const catalog = loadCatalog();
const TODAY = new Date("2026-11-28T00:00:00Z");

test("coverage comes from what is registered: a registered check covers its items", () => {
  const coverage = computeCoverage(catalog, {
    scan: [{ id: "hsts-missing", items: ["ACC-03"] }],
    audit: [],
    guard: [{ id: "security-headers", items: ["ACC-03", "OUT-01"] }],
  });
  assert.deepEqual(coverage.get("ACC-03"), {
    scan: ["hsts-missing"],
    audit: [],
    guard: ["security-headers"],
  });
  assert.deepEqual(coverage.get("OUT-01"), { scan: [], audit: [], guard: ["security-headers"] });
  const report = buildChecklist(catalog, coverage, undefined, TODAY);
  const acc03 = report.items.find((i) => i.id === "ACC-03");
  const out01 = report.items.find((i) => i.id === "OUT-01");
  assert.equal(acc03?.state, "covered");
  assert.equal(out01?.state, "partial");
  assert.deepEqual(out01?.gaps, ["scan"]);
});

test("an item that nothing covers says so", () => {
  const coverage = computeCoverage(catalog, { scan: [], audit: [], guard: [] });
  const report = buildChecklist(catalog, coverage, undefined, TODAY);
  const item = report.items.find((i) => i.id === "JWT-02");
  assert.equal(item?.state, "not_covered");
  assert.deepEqual(item?.gaps, ["scan", "guard"]);
  const manualOnly = report.items.find((i) => i.id === "CI-02");
  assert.equal(manualOnly?.state, "manual");
  assert.equal(manualOnly?.attestation, null);
});

test("registering an unknown item or the same id twice is a TypeError", () => {
  assert.throws(
    () =>
      computeCoverage(catalog, {
        scan: [{ id: "x", items: ["NOPE-01" as never] }],
        audit: [],
        guard: [],
      }),
    { name: "TypeError", message: 'scan "x" declares unknown item "NOPE-01"' },
  );
  assert.throws(
    () =>
      computeCoverage(catalog, {
        scan: [],
        audit: [
          { id: "r", items: ["IN-01"] },
          { id: "r", items: ["IN-02"] },
        ],
        guard: [],
      }),
    { name: "TypeError", message: 'audit id "r" is registered twice' },
  );
});

test("attestations show on manual items; an old review date is a warning", () => {
  const config = loadConfig(
    parseYaml(
      "checklist: { staleAfterDays: 30 }\nattest:\n  CI-02: { status: done, owner: sec, reviewed: 2026-11-01 }\n  CI-06: { status: done, reviewed: 2026-01-01 }\n",
      "rampart.yaml",
    ),
    TODAY,
  );
  const report = buildChecklist(
    catalog,
    computeCoverage(catalog, { scan: [], audit: [], guard: [] }),
    config,
    TODAY,
  );
  const ci02 = report.items.find((i) => i.id === "CI-02");
  assert.deepEqual(ci02?.attestation, {
    status: "done",
    owner: "sec",
    reviewed: "2026-11-01",
    stale: false,
  });
  assert.equal(report.items.find((i) => i.id === "CI-06")?.attestation?.stale, true);
  assert.deepEqual(report.warnings, [
    {
      id: "CI-06",
      message: "attestation reviewed 2026-01-01, more than 30 days ago: review it again",
    },
  ]);
  assert.equal(report.summary.attested, 2);
  assert.equal(report.summary.stale, 1);
});
