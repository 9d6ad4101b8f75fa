import { normaliseName } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { requestSchemaPointers, walkSchema } from "../schemas.js";

// Where callers act on their own account: any privileged field there is self-escalation.
const SELF_SERVICE =
  /\/(?:me|self|profile|account|register|registration|signup|sign-up)(?:\/|$)|^\/(?:api\/)?(?:v\d+\/)?users?\/?$/i;
// Names that grant authority wherever they are written.
const AUTHORITY =
  /^(?:roles?|is_admin|admin|is_superuser|superuser|is_staff|staff|permissions?|privileges?)$/;

/**
 * EXT-05: a request schema that lets clients write `role`, `isAdmin`, `permissions` or an owner
 * id documents a mass-assignment hole: privilege escalation in one request (API3:2023). High on
 * self-service operations (profile, registration). Elsewhere an authority field (a collaborator's
 * role, a team's permission, a token's permissions) is what the operation grants: info, with the
 * advice to check that the caller may grant it.
 */
export const privilegedPropertyWritable: AuditRule = {
  id: "privileged-property-writable",
  items: ["EXT-05"],
  severity: "high",
  title: "Privileged property writable by clients",
  tags: ["mass-assignment", "authorization"],
  looksFor:
    "Request schemas that let a client write a privileged field (isAdmin, role, permissions, owner) on a self-service operation (profile, registration); elsewhere granting an authority is the operation's purpose and is info.",
  example:
    "paths:\n  /users/me:\n    patch:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              properties: { name: { type: string }, isAdmin: { type: boolean } }",
  fix: "Remove the property from request schemas (or mark it readOnly) and bind only an allow-list of fields on the server.",
  run({ doc, operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const op of operations) {
      if (vocabulary.isAdminPath(op.path)) continue;
      const selfService = SELF_SERVICE.test(op.path);
      for (const pointer of requestSchemaPointers(op))
        walkSchema(doc, pointer, seen, (node) => {
          if (node.name === undefined || node.schema.readOnly === true) return;
          const name = normaliseName(node.name);
          if (!vocabulary.isPrivilegedName(name)) return;
          // Elsewhere (e.g. granting a role to a collaborator) it may be the operation's purpose.
          if (!selfService && !AUTHORITY.test(name)) return;
          hits.push({
            pointer: node.pointer,
            subject: node.name,
            ...(selfService
              ? {}
              : {
                  severity: "info" as const,
                  confidence: "low" as const,
                  fix: "Granting it is what the operation does: check on the server that the caller may grant this value (never more than their own), and log each grant.",
                }),
            detail: selfService
              ? `Request property "${node.name}" (${op.method.toUpperCase()} ${op.path}) lets clients set a privileged attribute.`
              : `Request property "${node.name}" (${op.method.toUpperCase()} ${op.path}) grants an authority to another principal: the operation's purpose, as long as the caller may grant it.`,
          });
        });
    }
    return hits;
  },
};
