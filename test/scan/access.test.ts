import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import type { Report } from "../../src/core/report.js";
import { bolaReadCheck, bolaWriteCheck } from "../../src/scan/checks/access-control/bola.js";
import {
  guessableIds,
  guessableIdsCheck,
} from "../../src/scan/checks/access-control/guessable-ids.js";
import { missingAuthCheck } from "../../src/scan/checks/access-control/missing-auth.js";
import {
  userIdInPathCheck,
  userIdSegment,
} from "../../src/scan/checks/access-control/user-id-in-path.js";
import { DEFAULT_VOCABULARY } from "../../src/vocabulary/vocabulary.js";
import { demoPool, login, send } from "../helpers/demo-client.js";
import { DEMO_SCAN_CONFIG, findingsOf, runOf, scanWith } from "./access-helpers.js";

const CHECKS = [
  missingAuthCheck,
  bolaReadCheck,
  bolaWriteCheck,
  userIdInPathCheck,
  guessableIdsCheck,
];
const FLAWED =
  "bola,user-id-in-path,sequential-ids,unauthenticated-endpoint,admin-exposed,alg-none";
const demo = demoPool();

async function ordersOf(api: DemoApi, user: "alice" | "bob"): Promise<unknown[]> {
  const token = await login(api, user);
  const res = await send(`${api.url}/api/orders`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (JSON.parse(res.body) as { items: unknown[] }).items;
}

const titles = (report: Report, check: string) => findingsOf(report, check).map((f) => f.title);

describe("access control (PROC-01..03) against the flawed demo", () => {
  let api: DemoApi;
  let safe: Report;
  let full: Report;
  let aliceBefore: unknown[];
  before(async () => {
    api = await demo(FLAWED);
    aliceBefore = await ordersOf(api, "alice");
    safe = await scanWith(api, CHECKS);
    full = await scanWith(api, CHECKS, { profile: "full" });
  });

  test("admin operations answering without credentials are found (admin-exposed)", () => {
    const found = findingsOf(safe, "proc-01-missing-auth").filter(
      (f) => f.title === "Admin operation answers without credentials",
    );
    assert.deepEqual(found.map((f) => f.evidence.request).sort(), [
      "GET /admin/stats HTTP/1.1",
      "GET /admin/users HTTP/1.1",
    ]);
    assert.ok(found.every((f) => f.evidence.status === 200 && f.severity === "high"));
  });

  test("a directory readable without credentials is found (unauthenticated-endpoint)", () => {
    const found = findingsOf(safe, "proc-01-missing-auth").find((f) =>
      f.title.startsWith("Operation answers without credentials"),
    );
    assert.equal(found?.evidence.request, "GET /api/users HTTP/1.1");
    assert.equal(found?.evidence.status, 200);
  });

  test("an unsigned copy of the real token (alg none) is accepted on protected operations", () => {
    const found = findingsOf(safe, "proc-01-missing-auth").filter((f) =>
      f.title.includes("unsigned token"),
    );
    assert.ok(found.length > 0);
    assert.ok(found.every((f) => f.severity === "critical" && f.evidence.status === 200));
  });

  test("bob reads alice's order (bola), with the request as evidence", () => {
    const [found] = findingsOf(safe, "proc-02-bola-read");
    assert.equal(found?.title, "User reads another user's object (BOLA)");
    assert.match(found?.evidence.request ?? "", /^GET \/api\/orders\/100[12] HTTP\/1\.1$/);
    assert.equal(found?.evidence.status, 200);
  });

  test("the intrusive BOLA writes never run in the safe profile", () => {
    assert.equal(runOf(safe, "proc-02-bola-write").status, "not_tested");
    assert.match(runOf(safe, "proc-02-bola-write").reason ?? "", /--profile full/);
  });

  test("full profile: bob changes and deletes an order alice created (bola)", () => {
    assert.deepEqual(titles(full, "proc-02-bola-write").sort(), [
      "User changes another user's object (BOLA)",
      "User deletes another user's object (BOLA)",
    ]);
    const evidence = findingsOf(full, "proc-02-bola-write").map((f) => f.evidence.request);
    assert.ok(evidence.some((r) => /^DELETE \/api\/orders\/\d+ HTTP\/1\.1$/.test(r ?? "")));
  });

  test("the scan leaves alice's orders as it found them", async () => {
    assert.deepEqual(await ordersOf(api, "alice"), aliceBefore);
  });

  test("the user id in the path is found from the document and confirmed live (user-id-in-path)", () => {
    const found = findingsOf(safe, "proc-02-user-id-in-path");
    assert.deepEqual(found.map((f) => f.title).sort(), [
      "User id in the path of the caller's own data",
      "User reads another user's data through the user id in the path (BOLA)",
    ]);
    assert.ok(
      found.every((f) => /\/api\/users\/[0-9a-f-]{36}\/orders/.test(f.evidence.request ?? "")),
    );
  });

  test("sequential order ids are found (sequential-ids)", () => {
    const found = findingsOf(safe, "proc-03-guessable-ids");
    assert.ok(found.some((f) => f.title === "Sequential integer ids"));
    assert.ok(found.every((f) => f.evidence.request === "GET /api/orders HTTP/1.1"));
  });

  test("no credential reaches the report", () => {
    const text = JSON.stringify([safe, full]);
    assert.doesNotMatch(text, /alice-demo-pass|bob-demo-pass/);
    assert.doesNotMatch(text, /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});

describe("access control against the hardened demo", () => {
  let api: DemoApi;
  let report: Report;
  let aliceBefore: unknown[];
  before(async () => {
    api = await demo("none");
    aliceBefore = await ordersOf(api, "alice");
    report = await scanWith(api, CHECKS, { profile: "full" });
  });

  test("every check ran and found nothing", () => {
    for (const check of CHECKS) assert.equal(runOf(report, check.id).status, "ran", check.id);
    assert.deepEqual(report.findings, []);
  });

  test("what the BOLA write check created is cleaned up", async () => {
    assert.deepEqual(await ordersOf(api, "alice"), aliceBefore);
  });

  test("without a second identity, BOLA is not tested and says why", async () => {
    const alone = await scanWith(api, [bolaReadCheck], {
      config: { identities: [DEMO_SCAN_CONFIG.identities?.[0] ?? { name: "x", bearer: "x" }] },
    });
    assert.equal(runOf(alone, "proc-02-bola-read").status, "not_tested");
    assert.match(runOf(alone, "proc-02-bola-read").reason ?? "", /two identities/);
  });
});

describe("access-control heuristics", () => {
  test("integer ids are guessable, sequential when close together; UUIDs are not", () => {
    assert.deepEqual(guessableIds(["1001", "1002"]), { ids: ["1001", "1002"], sequential: true });
    assert.deepEqual(guessableIds(["7"]), { ids: ["7"], sequential: false });
    assert.deepEqual(guessableIds(["0b6f3c1e-8a2d-4f7b-9c3e-5d1a2b3c4d5e", "x7Kq9"]), {
      ids: [],
      sequential: false,
    });
  });

  test("a user id followed by a sub-resource is the caller's data in the path", () => {
    assert.equal(userIdSegment("/api/users/{id}/orders", DEFAULT_VOCABULARY), 3);
    assert.equal(userIdSegment("/api/accounts/{accountId}/cards", DEFAULT_VOCABULARY), 3);
    assert.equal(userIdSegment("/api/users/{id}", DEFAULT_VOCABULARY), -1);
    assert.equal(userIdSegment("/api/orders/{id}/items", DEFAULT_VOCABULARY), -1);
  });
});
