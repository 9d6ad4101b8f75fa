import { childPointer } from "../../openapi/pointer.js";
import type { Operation } from "../../openapi/types.js";
import type { AuditRule, RuleHit } from "../rule.js";

/**
 * PROC-01: every operation requires authentication unless it is deliberately public, and the
 * document says why (`x-rampart-public: "reason"`). Calibrated:
 * - no security declared on the operation nor the document: nobody decided: high; when the
 *   whole document declares none, one finding for the document (medium: it may describe
 *   authentication in prose only);
 * - explicitly public (`security: []`) in an administrative area: high;
 * - explicitly public while the resources below it require authentication: medium;
 * - otherwise explicitly public without a reason: info (state why).
 */
export const operationWithoutSecurity: AuditRule = {
  id: "operation-without-security",
  items: ["PROC-01"],
  severity: "high",
  title: "Operation without authentication",
  tags: ["authorization", "authentication"],
  looksFor:
    "Operations with no security requirement (neither their own nor the document's), unless marked public with x-rampart-public and a reason.",
  example: "paths:\n  /orders/{id}:\n    delete:\n      security: []   # anyone may delete",
  fix: 'Require a security scheme, or mark a deliberately public operation with x-rampart-public: "<why>".',
  run({ operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const secured = operations.filter((op) => isSecured(op));
    if (operations.length > 0 && operations.every((op) => op.security === undefined))
      return [
        {
          pointer: "",
          severity: "medium",
          detail: `The document declares no security at all: none of its ${operations.length} operations states how callers authenticate.`,
          evidence: "no security requirement at the top level nor on any operation",
          fix: "Declare the security schemes and a top-level security requirement; mark the public operations with security: [] and x-rampart-public.",
        },
      ];
    for (const op of operations) {
      if (isSecured(op) || op.publicReason !== undefined) continue;
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (op.security === undefined) {
        hits.push({
          pointer: op.pointer,
          detail: `${name} declares no security, and neither does the document.`,
          evidence: `${name}: no security, no top-level security`,
        });
        continue;
      }
      const pointer = childPointer(op.pointer, "security");
      const segments = op.path.split("/").filter(Boolean);
      if (segments.some((s) => vocabulary.isAdminSegment(s))) {
        hits.push({
          pointer,
          detail: `${name} is in an administrative area but is explicitly public (security: []).`,
        });
        continue;
      }
      const below = secured.find((s) => s.path.startsWith(`${op.path.replace(/\/$/, "")}/`));
      if (below) {
        hits.push({
          pointer,
          severity: "medium",
          detail: `${name} is explicitly public (security: []) while ${below.method.toUpperCase()} ${below.path} below it requires authentication.`,
        });
        continue;
      }
      hits.push({
        pointer,
        severity: "info",
        detail: `${name} is explicitly public (security: []) without saying why.`,
        fix: 'Add x-rampart-public: "<why it is public>" to the operation.',
      });
    }
    return hits;
  },
};

function isSecured(op: Operation): boolean {
  // An empty requirement object ({}) inside the list makes authentication optional.
  return (
    op.security !== undefined &&
    op.security.length > 0 &&
    op.security.every((r) => Object.keys(r).length > 0)
  );
}
