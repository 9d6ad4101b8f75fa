import { loadCatalog } from "../../src/catalog/catalog.js";
import type { ItemId } from "../../src/catalog/ids.js";
import type { Finding } from "../../src/core/finding.js";
import { findingFingerprint } from "../../src/core/fingerprint.js";
import { buildReport, type ItemOutcome, type Report } from "../../src/core/report.js";

/** Realistic reports for the formatter tests: a flawed scan, a flawed audit, a clean scan. */

export const catalog = loadCatalog();

const STARTED = "2026-11-28T05:00:00.000Z";
const BASE = "http://127.0.0.1:4010";

function httpFinding(
  partial: Partial<Finding> & Pick<Finding, "id" | "checkId" | "items" | "severity" | "title">,
): Finding {
  return {
    fingerprint: findingFingerprint({
      checkId: partial.checkId,
      items: partial.items,
      where: partial.id,
    }),
    confidence: "high",
    detail: "",
    evidence: {},
    location: { kind: "http", url: `${BASE}/`, method: "GET" },
    remediation: "",
    references: { owasp: [], cwe: [] },
    ...partial,
  };
}

/** A scan of a flawed API: http findings with evidence, a hostile body, a not-tested item. */
export function scanReport(): Report {
  const findings: Finding[] = [
    httpFinding({
      id: "basic-auth-offered:GET /api/me",
      checkId: "basic-auth-offered",
      items: ["AUTH-01"],
      severity: "high",
      title: "HTTP Basic authentication is offered",
      detail: "The API answers 401 with WWW-Authenticate: Basic.",
      evidence: {
        request: "GET /api/me HTTP/1.1",
        status: 401,
        headers: {
          "www-authenticate": 'Basic realm="api"',
          authorization: "Basic YWxpY2U6c2VjcmV0",
        },
        body: '{"error":"unauthorized"}',
      },
      location: { kind: "http", url: `${BASE}/api/me`, method: "GET" },
      remediation: "Stop offering Basic.",
      references: { owasp: ["API2:2023"], cwe: ["CWE-522"] },
    }),
    httpFinding({
      id: "stack-trace:POST /api/orders",
      checkId: "stack-trace-exposed",
      items: ["PROC-08"],
      severity: "medium",
      title: "A stack trace is returned on malformed input",
      detail: "The error body contains a Node.js stack trace.",
      evidence: {
        request: "POST /api/orders HTTP/1.1",
        status: 500,
        headers: { "content-type": "text/html" },
        body: "<script>alert(1)</script>\nError: boom\n    at handler (/srv/app.js:10:5) token=abc123secret",
        note: "framework: express",
      },
      location: { kind: "http", url: `${BASE}/api/orders?api_key=s3cr3tvalue`, method: "POST" },
      references: { owasp: ["API8:2023"], cwe: ["CWE-209"] },
    }),
    httpFinding({
      id: "hsts-missing:GET /",
      checkId: "hsts-missing",
      items: ["ACC-03"],
      severity: "info",
      title: "Strict-Transport-Security is not sent",
      detail: "Only informative on plain HTTP.",
      evidence: { request: "GET / HTTP/1.1", status: 200 },
    }),
  ];
  const outcomes = new Map<ItemId, ItemOutcome>([
    ["AUTH-01", { ran: true }],
    ["PROC-08", { ran: true }],
    ["ACC-03", { ran: true }],
    ["IN-02", { ran: true }],
    ["ACC-01", { ran: false, reason: "the full profile is needed (burst test)" }],
  ]);
  return buildReport(
    {
      kind: "scan",
      target: BASE,
      startedAt: STARTED,
      durationMs: 4210,
      requests: 312,
      findings,
      checks: [
        { id: "basic-auth-offered", status: "ran" },
        { id: "stack-trace-exposed", status: "ran" },
        { id: "hsts-missing", status: "ran" },
        { id: "not-acceptable", status: "ran" },
        { id: "tls-versions", status: "error", reason: "handshake timed out" },
      ],
    },
    catalog,
    outcomes,
  );
}

/** An audit of an OpenAPI document: document findings with pointers, lines and columns. */
export function auditReport(count = 2): Report {
  const findings: Finding[] = [];
  for (let i = 0; i < count; i++) {
    findings.push({
      id: `unbounded-string:#/components/schemas/User/properties/f${i}`,
      fingerprint: findingFingerprint({
        checkId: "unbounded-string",
        items: ["IN-04"],
        where: `/repo/api/openapi.yaml#/components/schemas/User/properties/f${i}`,
      }),
      checkId: "unbounded-string",
      items: ["IN-04"],
      severity: "low",
      confidence: "high",
      title: "String without maxLength",
      detail: `Property f${i} accepts strings of any length.`,
      evidence: { note: "type: string, no maxLength" },
      location: {
        kind: "document",
        file: "/repo/api/openapi.yaml",
        pointer: `/components/schemas/User/properties/f${i}`,
        line: 40 + i,
        column: 9,
      },
      remediation: "Add maxLength.",
      references: { owasp: ["API4:2023"], cwe: ["CWE-770"] },
    });
  }
  findings.push({
    id: "basic-scheme:#/components/securitySchemes/basic",
    fingerprint: findingFingerprint({
      checkId: "basic-scheme",
      items: ["AUTH-01"],
      where: "/repo/api/openapi.yaml#/components/securitySchemes/basic",
    }),
    checkId: "basic-scheme",
    items: ["AUTH-01"],
    severity: "high",
    confidence: "high",
    title: "Basic authentication scheme declared",
    detail: "securitySchemes.basic uses scheme basic.",
    evidence: {},
    location: {
      kind: "document",
      file: "/repo/api/openapi.yaml",
      pointer: "/components/securitySchemes/basic",
      line: 12,
      column: 5,
    },
    remediation: "Use bearer tokens.",
    references: { owasp: ["API2:2023"], cwe: ["CWE-522"] },
  });
  return buildReport(
    {
      kind: "audit",
      target: "/repo/api/openapi.yaml",
      startedAt: STARTED,
      durationMs: 85,
      findings,
      checks: [
        { id: "unbounded-string", status: "ran" },
        { id: "basic-scheme", status: "ran" },
      ],
    },
    catalog,
    new Map<ItemId, ItemOutcome>([
      ["IN-04", { ran: true }],
      ["AUTH-01", { ran: true }],
    ]),
  );
}

/** A clean scan: every check ran and found nothing. */
export function cleanReport(): Report {
  const outcomes = new Map<ItemId, ItemOutcome>(
    catalog.items
      .filter((i) => i.capabilities.includes("scan"))
      .map((i): [ItemId, ItemOutcome] => [i.id, { ran: true }]),
  );
  return buildReport(
    {
      kind: "scan",
      target: BASE,
      startedAt: STARTED,
      durationMs: 900,
      requests: 120,
      findings: [],
      checks: [{ id: "hsts-missing", status: "ran" }],
    },
    catalog,
    outcomes,
  );
}
