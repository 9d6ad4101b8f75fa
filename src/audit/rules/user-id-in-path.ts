import { childPointer } from "../../openapi/pointer.js";
import type { Operation } from "../../openapi/types.js";
import type { Vocabulary } from "../../vocabulary/vocabulary.js";
import type { AuditRule, RuleHit } from "../rule.js";

const READS = new Set(["get", "head", "options"]);

/**
 * PROC-02: `/users/{userId}/orders` lets the caller choose whose orders to read: the server must
 * take the user from the token (`/me/orders`), or every such operation is a BOLA candidate
 * (API1:2023). Administrative areas, where acting on other users is the purpose, are exempt; so
 * are reads of resources public by design (`/users/{id}/playlists`), whose writes still count
 * (reported on the write operation).
 */
export const userIdInPath: AuditRule = {
  id: "user-id-in-path",
  items: ["PROC-02"],
  severity: "medium",
  title: "User id in the path before the resource",
  tags: ["authorization", "identifiers"],
  looksFor:
    "Paths that name another user before the resource (/users/{userId}/orders) where the caller could be taken from the token instead: a BOLA risk on every such operation.",
  example:
    'paths:\n  /users/{userId}/orders:\n    get:\n      responses: { "200": { description: the user\'s orders } }',
  fix: "Resolve the caller from the token (e.g. /me/orders); if other users' resources must be reachable, check ownership on every request.",
  run({ operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const byPath = new Map<string, Operation[]>();
    for (const op of operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
    for (const [path, ops] of byPath) {
      const found = userBeforeResource(path, vocabulary);
      if (!found) continue;
      const detail = `${path} selects the user with {${found.param}} before the resource "${found.resource}"`;
      // A design smell rather than proof: the server may still check ownership.
      if (!vocabulary.isPublicResourceSegment(found.resource.replace(/\.\w+$/, ""))) {
        hits.push({
          pointer: childPointer("/paths", path),
          confidence: "medium",
          detail: `${detail}.`,
        });
        continue;
      }
      const write = ops.find((op) => !READS.has(op.method));
      if (write)
        hits.push({
          pointer: write.pointer,
          confidence: "medium",
          detail: `${detail}: reading another user's "${found.resource}" is public by design, but ${write.method.toUpperCase()} writes into the user named by the path.`,
        });
    }
    return hits;
  },
};

function userBeforeResource(
  path: string,
  vocabulary: Vocabulary,
): { param: string; resource: string } | undefined {
  const segments = path.split("/").filter(Boolean);
  if (segments.some((s) => vocabulary.isAdminSegment(s))) return undefined;
  for (let i = 0; i < segments.length - 1; i++) {
    const param = /^\{([^}]+)\}$/.exec(segments[i] ?? "")?.[1];
    if (!param) continue;
    const byCollection = vocabulary.isUserSegment(segments[i - 1] ?? "");
    if (!byCollection && !vocabulary.isUserRefName(param)) continue;
    const resource = segments[i + 1] ?? "";
    if (resource.startsWith("{")) continue;
    return { param, resource };
  }
  return undefined;
}
