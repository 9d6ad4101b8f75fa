import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import type { Report } from "../../src/core/report.js";
import { massAssignmentCheck } from "../../src/scan/checks/mass-assignment/mass-assignment.js";
import { demoPool, login, send } from "../helpers/demo-client.js";
import { findingsOf, runOf, scanWith } from "./access-helpers.js";

const demo = demoPool();

async function aliceRole(api: DemoApi): Promise<unknown> {
  const token = await login(api, "alice");
  const res = await send(`${api.url}/api/users/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (JSON.parse(res.body) as { role?: unknown }).role;
}

describe("mass assignment (EXT-05) against the flawed demo", () => {
  let api: DemoApi;
  let report: Report;
  before(async () => {
    api = await demo("mass-assignment");
    report = await scanWith(api, [massAssignmentCheck], { profile: "full" });
  });

  test('role: "admin" sent on PATCH /api/users/me is bound and read back', () => {
    const [found] = findingsOf(report, "ext-05-mass-assignment");
    assert.equal(found?.title, 'Privileged field "role" mass-assigned');
    assert.equal(found?.confidence, "high");
    assert.equal(found?.evidence.request, "PATCH /api/users/me HTTP/1.1");
    assert.match(found?.evidence.body ?? "", /"role":"admin"/);
  });

  test("alice's role is restored afterwards", async () => {
    assert.equal(await aliceRole(api), "user");
  });
});

describe("mass assignment, both profiles and the hardened demo", () => {
  test("never runs in the safe profile", async () => {
    const api = await demo("mass-assignment");
    const report = await scanWith(api, [massAssignmentCheck]);
    assert.equal(runOf(report, "ext-05-mass-assignment").status, "not_tested");
    assert.match(runOf(report, "ext-05-mass-assignment").reason ?? "", /intrusive/);
    assert.equal(await aliceRole(api), "user");
  });

  test("the hardened demo refuses privileged fields: silent", async () => {
    const api = await demo("none");
    const report = await scanWith(api, [massAssignmentCheck], { profile: "full" });
    assert.equal(runOf(report, "ext-05-mass-assignment").status, "ran");
    assert.deepEqual(report.findings, []);
    assert.equal(await aliceRole(api), "user");
  });
});
