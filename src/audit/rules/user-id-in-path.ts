import { childPointer } from "../../openapi/pointer.js";
import type { AuditRule, RuleHit } from "../rule.js";

/**
 * PROC-02: `/users/{userId}/orders` lets the caller choose whose orders to read: the server must
 * take the user from the token (`/me/orders`), or every such operation is a BOLA candidate
 * (API1:2023). Administrative areas, where acting on other users is the purpose, are exempt.
 */
export const userIdInPath: AuditRule = {
  id: "user-id-in-path",
  items: ["PROC-02"],
  severity: "medium",
  title: "User id in the path before the resource",
  fix: "Resolve the caller from the token (e.g. /me/orders); if other users' resources must be reachable, check ownership on every request.",
  run({ operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const op of operations) {
      if (seen.has(op.path)) continue;
      const segments = op.path.split("/").filter(Boolean);
      if (segments.some((s) => vocabulary.isAdminSegment(s))) continue;
      for (let i = 0; i < segments.length - 1; i++) {
        const param = /^\{([^}]+)\}$/.exec(segments[i] ?? "")?.[1];
        if (!param) continue;
        const previous = segments[i - 1] ?? "";
        const byCollection = vocabulary.isUserSegment(previous);
        const byName = vocabulary.isUserRefName(param);
        if (!byCollection && !byName) continue;
        const resource = segments[i + 1] ?? "";
        if (resource.startsWith("{")) continue;
        seen.add(op.path);
        hits.push({
          pointer: childPointer("/paths", op.path),
          // A design smell rather than proof: the server may still check ownership.
          confidence: "medium",
          detail: `${op.path} selects the user with {${param}} before the resource "${resource}".`,
        });
        break;
      }
    }
    return hits;
  },
};
