import { childPointer } from "../../openapi/pointer.js";
import { oauthFlows, securitySchemes } from "../../openapi/security-schemes.js";
import type { LoadedDocument, Operation } from "../../openapi/types.js";
import { CLIENT_RECORD_SEGMENT, QUERY_BY_POST } from "../../vocabulary/names.js";
import type { Vocabulary } from "../../vocabulary/vocabulary.js";
import type { AuditRule, RuleHit } from "../rule.js";

const READS = new Set(["get", "head", "options"]);

/**
 * PROC-02: `/users/{userId}/orders` lets the caller choose whose orders to read: the server must
 * take the user from the token (`/me/orders`), or every such operation is a BOLA candidate
 * (API1:2023). Administrative areas, where acting on other users is the purpose, are exempt; so
 * are reads of resources public by design (`/users/{id}/playlists`), whose writes still count
 * (reported on the write operation). Also exempt: a user scoped by a parent resource
 * (`/orgs/{org}/members/{username}/...`: the parent's access control decides, and managing its
 * members is the purpose), and customers in an API for businesses (machine credentials and no
 * end-user login: `/v1/customers/{customer}` is the caller's own record, scoped by its key).
 */
export const userIdInPath: AuditRule = {
  id: "user-id-in-path",
  items: ["PROC-02"],
  severity: "medium",
  title: "User id in the path before the resource",
  tags: ["authorization", "identifiers"],
  looksFor:
    "Paths whose first parameter names a user before a resource (/users/{userId}/orders), where the token could name the caller instead; admin areas, reads of public resources, users scoped by a parent (/orgs/{org}/members/{username}) and customers of an API for businesses are exempt.",
  example:
    'paths:\n  /users/{userId}/orders:\n    get:\n      responses: { "200": { description: the user\'s orders } }',
  fix: "Resolve the caller from the token (e.g. /me/orders); if other users' resources must be reachable, check ownership on every request.",
  run({ doc, operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const forBusinesses = !endUserLogin(doc);
    const byPath = new Map<string, Operation[]>();
    for (const op of operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
    for (const [path, ops] of byPath) {
      const found = userBeforeResource(path, vocabulary);
      if (!found) continue;
      if (forBusinesses && CLIENT_RECORD_SEGMENT.test(found.collection)) continue;
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
      const write = ops.find((op) => !isRead(op));
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

function isRead(op: Operation): boolean {
  if (READS.has(op.method)) return true;
  return op.method === "post" && QUERY_BY_POST.test(op.path.split("/").at(-1) ?? "");
}

/** The document offers a login for end users (an OAuth flow with a user, or OpenID Connect). */
function endUserLogin(doc: LoadedDocument): boolean {
  return securitySchemes(doc).some(
    (scheme) =>
      scheme.value.type === "openIdConnect" ||
      oauthFlows(doc, scheme).some((f) => f.flow !== "clientCredentials"),
  );
}

/**
 * The user parameter that comes before a resource, if the path's first parameter is one: a user
 * after another resource's id (`/orgs/{org}/members/{username}`) is scoped by that resource.
 */
function userBeforeResource(
  path: string,
  vocabulary: Vocabulary,
): { param: string; resource: string; collection: string } | undefined {
  const segments = path.split("/").filter(Boolean);
  if (segments.some((s) => vocabulary.isAdminSegment(s))) return undefined;
  let first = true;
  for (let i = 0; i < segments.length - 1; i++) {
    const param = /^\{([^}]+)\}$/.exec(segments[i] ?? "")?.[1];
    if (!param) continue;
    if (!first) return undefined;
    first = false;
    const collection = segments[i - 1] ?? "";
    if (!vocabulary.isUserSegment(collection) && !vocabulary.isUserRefName(param)) continue;
    const resource = segments[i + 1] ?? "";
    // `/repos/{owner}/{repo}`: the owner names a namespace of the next id, not a user's resource.
    if (resource.startsWith("{")) return undefined;
    return { param, resource, collection };
  }
  return undefined;
}
