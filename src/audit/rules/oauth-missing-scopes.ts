import { childPointer } from "../../openapi/pointer.js";
import { oauthFlows, securitySchemes } from "../../openapi/security-schemes.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { asObject } from "../schemas.js";

/** OAUTH-04: a token is only as narrow as its scopes; a flow without any grants everything. */
export const oauthMissingScopes: AuditRule = {
  id: "oauth-missing-scopes",
  items: ["OAUTH-04"],
  severity: "medium",
  title: "OAuth scopes missing",
  tags: ["oauth", "authorization"],
  looksFor:
    "OAuth 2 flows (other than client credentials) that define no scopes; operations that accept any token of a scoped scheme are info.",
  example:
    "components:\n  securitySchemes:\n    oauth:\n      type: oauth2\n      flows:\n        authorizationCode:\n          authorizationUrl: https://id.example.com/authorize\n          tokenUrl: https://id.example.com/token\n          scopes: {}",
  fix: "Define scopes per resource and action (e.g. orders:read) and require the narrowest one on each operation.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const scoped = new Set<string>();
    for (const scheme of securitySchemes(doc))
      for (const { flow, pointer, value } of oauthFlows(doc, scheme)) {
        const scopes = asObject(value.scopes);
        if (scopes && Object.keys(scopes).length > 0) {
          scoped.add(scheme.name);
          continue;
        }
        if (flow === "clientCredentials") continue; // machine clients: scopes are optional there
        hits.push({
          pointer: scopes ? childPointer(pointer, "scopes") : pointer,
          subject: flow,
          detail: `OAuth scheme "${scheme.name}" (${flow} flow) defines no scopes: every token it issues grants everything.`,
        });
      }
    // Operations that accept any token of a scoped scheme: documentation at most (logout, me).
    for (const op of operations)
      for (const requirement of op.security ?? [])
        for (const [name, scopes] of Object.entries(requirement))
          if (scoped.has(name) && Array.isArray(scopes) && scopes.length === 0)
            hits.push({
              pointer: op.pointer,
              subject: name,
              severity: "info",
              confidence: "low",
              detail: `${op.method.toUpperCase()} ${op.path} accepts any "${name}" token whatever its scopes.`,
              evidence: `security: ${JSON.stringify(requirement)}`,
              fix: "Require a scope, unless every holder of a valid token may call this operation.",
            });
    return hits;
  },
};
