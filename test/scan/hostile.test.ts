import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Report } from "../../src/core/report.js";
import {
  type HostileMode,
  type HostileScan,
  INDEX_PAGE,
  scanHostile,
  startHostile,
} from "../helpers/hostile-server.js";
import { countingServer } from "./scan-helpers.js";

/** Generous: every scan below ends in a few seconds; a trapped scan never ends at all. */
const TIME_BOUND_MS = 60_000;
/** A trapped scan never ends: past this the test fails instead of hanging the run. */
const TEST_TIMEOUT_MS = 90_000;
/** The --max-requests every hostile scan runs with. */
const BUDGET = 60;
const MiB = 1024 * 1024;

/** A small API document, so that the method, Accept and Content-Type probes have targets. */
const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "shop", version: "1" },
  paths: {
    "/items": {
      get: { responses: { "200": { description: "list" } } },
      post: {
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: { "201": { description: "created" } },
      },
    },
    "/items/{id}": {
      get: {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        responses: { "200": { description: "one" } },
      },
    },
  },
};

function run(report: Report | undefined, id: string) {
  const found = report?.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in the report`);
  return found;
}

function item(report: Report | undefined, id: string) {
  const found = report?.items.find((i) => i.id === id);
  assert.ok(found, `no item ${id} in the report`);
  return found;
}

/** The scan ended in time, within its budget, with a report. */
function assertBounded(scan: HostileScan): Report {
  assert.ok(scan.ms < TIME_BOUND_MS, `scan took ${Math.round(scan.ms)} ms`);
  assert.ok(scan.report, `no report (exit ${scan.code}): ${scan.stderr}`);
  assert.ok((scan.report.requests ?? 0) <= BUDGET, `${scan.report.requests} requests`);
  assert.equal(
    scan.report.checks.filter((c) => c.status === "error").length,
    0,
    JSON.stringify(scan.report.checks.filter((c) => c.status === "error")),
  );
  return scan.report;
}

describe("scan against redirect traps", () => {
  for (const mode of ["redirect-self", "redirect-ping-pong"] as const) {
    test(`${mode}: the scan follows no redirect, ends, and stays within its budget`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const target = await startHostile(mode);
      try {
        const scan = await scanHostile(target.url);
        const report = assertBounded(scan);
        // A redirect loop proves nothing high; the plain HTTP itself is info on loopback.
        assert.deepEqual(
          report.findings.filter((f) => f.severity === "high").map((f) => f.checkId),
          [],
        );
        assert.equal(
          report.findings.find((f) => f.checkId === "acc-02-plain-http")?.severity,
          "info",
        );
        assert.ok(target.count() <= BUDGET, `the target saw ${target.count()} requests`);
      } finally {
        await target.close();
      }
    });
  }

  test("redirects to another origin on every path: that origin sees no request", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const other = await startHostile("catch-all-html");
    const target = await startHostile("redirect-off-scope", { redirectTo: other.url });
    try {
      const scan = await scanHostile(target.url, ["--bearer", "in-scope-token"]);
      assertBounded(scan);
      assert.ok(target.count() > 10, `the target saw ${target.count()} requests`);
      assert.equal(other.count(), 0);
    } finally {
      await Promise.all([other.close(), target.close()]);
    }
  });
});

describe("scan against huge and endless bodies", () => {
  for (const mode of ["huge-body", "endless-body"] as const) {
    test(`${mode}: bodies are read up to the cap; memory stays bounded`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const target = await startHostile(mode, { hugeBytes: 200 * MiB });
      try {
        const scan = await scanHostile(target.url);
        assertBounded(scan);
        assert.notEqual(scan.code, 3);
        // Reading even one 200 MiB body whole would cost more than this.
        assert.ok(
          scan.peakBytes < 100 * MiB,
          `peak growth ${Math.round(scan.peakBytes / MiB)} MiB`,
        );
      } finally {
        await target.close();
      }
    });
  }
});

describe("scan against targets that never finish answering", () => {
  const cases: { mode: HostileMode; reason: RegExp }[] = [
    { mode: "silent", reason: /timed out/ },
    { mode: "trickle", reason: /timed out/ },
    { mode: "trickle-body", reason: /timed out/ },
  ];
  for (const { mode, reason } of cases) {
    test(`${mode}: unreachable (exit 3) after about --timeout, with the reason`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const target = await startHostile(mode);
      try {
        const scan = await scanHostile(target.url);
        assert.equal(scan.code, 3);
        assert.match(scan.stderr, /^rampart: ERR_TARGET_UNREACHABLE /);
        assert.match(scan.stderr, reason);
        assert.ok(scan.ms < 10_000, `took ${Math.round(scan.ms)} ms with --timeout 2`);
      } finally {
        await target.close();
      }
    });
  }
});

describe("scan against malformed HTTP and broken TLS", () => {
  const cases: { mode: HostileMode; reason: RegExp }[] = [
    { mode: "bad-status-line", reason: /Invalid status code/ },
    { mode: "header-without-colon", reason: /Invalid header/ },
    { mode: "header-nul", reason: /Invalid header value/ },
    { mode: "many-headers", reason: /Headers Overflow/ },
    { mode: "tls-reset", reason: /connection reset/ },
    { mode: "tls-garbage", reason: /TLS handshake failed \(wrong version number\)/ },
  ];
  for (const { mode, reason } of cases) {
    test(`${mode} on every answer: unreachable (exit 3), one line saying why`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const target = await startHostile(mode);
      try {
        const scan = await scanHostile(target.url);
        assert.equal(scan.code, 3);
        assert.equal(scan.report, undefined);
        assert.match(scan.stderr, /^rampart: ERR_TARGET_UNREACHABLE /);
        assert.match(scan.stderr, reason);
        assert.ok(scan.ms < 10_000, `took ${Math.round(scan.ms)} ms`);
      } finally {
        await target.close();
      }
    });
  }

  for (const mode of ["bad-status-line", "many-headers"] as const) {
    test(`${mode} on every answer but the root: the scan ends and says what it could not test`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const target = await startHostile(mode, { healthyRoot: true });
      try {
        const scan = await scanHostile(target.url);
        const report = assertBounded(scan);
        assert.notEqual(scan.code, 3);
        // Every check asks at once and the budget is small: which of them the broken answers
        // starve first depends on scheduling, so either honest reason is right, never a pass.
        const spent = "|request budget exhausted";
        assert.equal(item(report, "ACC-04").verdict, "not_tested");
        assert.match(
          run(report, "acc-04-directory-listing").reason ?? "",
          new RegExp(`none .* answered${spent}`),
        );
        assert.equal(item(report, "IN-01").verdict, "not_tested");
        assert.match(run(report, "in-01-methods").reason ?? "", new RegExp(`answer${spent}`));
        assert.equal(item(report, "OUT-07").verdict, "not_tested");
        assert.match(
          run(report, "out-07-status-codes").reason ?? "",
          new RegExp(`got an answer${spent}`),
        );
        assert.match(item(report, "EXT-04").reason ?? "", /security\.txt did not answer/);
      } finally {
        await target.close();
      }
    });
  }

  test("HTTPS with a self-signed certificate is scanned (control for the TLS cases)", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const target = await startHostile("catch-all-json", { tls: true });
    try {
      const scan = await scanHostile(target.url);
      const report = assertBounded(scan);
      assert.equal(scan.code, 0);
      assert.ok(target.count() > 10);
      assert.equal(run(report, "acc-02-tls").status, "ran");
    } finally {
      await target.close();
    }
  });
});

describe("scan against catch-all targets (200 to everything)", () => {
  /** Checks whose findings a page that answers the same to everything must not produce. */
  const NOISY = [
    "in-01-methods",
    "in-01-method-override",
    "acc-04-directory-listing",
    "in-02-not-acceptable",
    "in-03-unsupported-media-type",
    "out-07-status-codes",
    "proc-08-debug",
  ];

  for (const mode of ["catch-all-html", "catch-all-json"] as const) {
    test(`${mode} with a real OpenAPI document: no 405, 406 or 415 claimed, and said so`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const target = await startHostile(mode, { openapi: DOCUMENT });
      try {
        const scan = await scanHostile(target.url);
        const report = assertBounded(scan);
        assert.deepEqual(
          report.findings.filter((f) => NOISY.includes(f.checkId)).map((f) => f.title),
          [],
        );
        // The document was found (else the reason would be "no OpenAPI document"), and the
        // probes that compare status codes said why they could not judge.
        for (const id of ["in-03-unsupported-media-type", "in-01-method-override"]) {
          assert.equal(run(report, id).status, "not_tested");
          assert.match(run(report, id).reason ?? "", /catch-all/);
        }
        if (mode === "catch-all-json")
          assert.match(run(report, "in-02-not-acceptable").reason ?? "", /catch-all/);
      } finally {
        await target.close();
      }
    });
  }

  test("an 'Index of /' page on every path: no listing claimed, ACC-04 not tested", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const target = await startHostile("catch-all-index");
    try {
      const scan = await scanHostile(target.url);
      const report = assertBounded(scan);
      assert.deepEqual(
        report.findings.filter((f) => f.checkId === "acc-04-directory-listing"),
        [],
      );
      assert.equal(item(report, "ACC-04").verdict, "not_tested");
      assert.match(run(report, "acc-04-directory-listing").reason ?? "", /catch-all/);
    } finally {
      await target.close();
    }
  });

  test("the same 'Index of /' page under /static/ only is a listing (the probe still fires)", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const target = await countingServer((req, res) => {
      if (req.url === "/static/") {
        res.writeHead(200, { "Content-Type": "text/html" }).end(INDEX_PAGE);
      } else res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    });
    try {
      const scan = await scanHostile(target.url);
      const report = assertBounded(scan);
      const listing = report.findings.filter((f) => f.checkId === "acc-04-directory-listing");
      assert.deepEqual(
        listing.map((f) => f.title),
        ["Directory listing enabled"],
      );
      assert.equal(item(report, "ACC-04").verdict, "fail");
    } finally {
      await target.close();
    }
  });
});
