import { oauthFlows, securitySchemes } from "../../openapi/security-schemes.js";
import type { AuditRule, RuleHit } from "../rule.js";

/** OAUTH-02: implicit and password grants are deprecated by the OAuth 2.0 security BCP. */
export const oauthLegacyFlow: AuditRule = {
  id: "oauth-legacy-flow",
  items: ["OAUTH-02"],
  severity: "high",
  title: "Deprecated OAuth flow (implicit or password)",
  tags: ["oauth", "authentication"],
  looksFor: "OAuth 2 security schemes that offer the implicit or the resource-owner password flow.",
  example:
    "components:\n  securitySchemes:\n    oauth:\n      type: oauth2\n      flows:\n        implicit:\n          authorizationUrl: https://id.example.com/authorize\n          scopes: {}",
  fix: "Offer only the authorization code flow with PKCE (RFC 9700 2.1.1) and client credentials for machines.",
  run({ doc }) {
    const hits: RuleHit[] = [];
    for (const scheme of securitySchemes(doc))
      for (const { flow, pointer } of oauthFlows(doc, scheme)) {
        if (flow === "implicit")
          hits.push({
            pointer,
            subject: flow,
            detail: `OAuth scheme "${scheme.name}" offers the implicit flow: access tokens come back in the redirect URI, exposed to the browser history, referrers and injection (RFC 9700 2.1.2: SHOULD NOT be used).`,
          });
        if (flow === "password")
          hits.push({
            pointer,
            subject: flow,
            detail: `OAuth scheme "${scheme.name}" offers the resource owner password credentials flow: clients see users' passwords (RFC 9700 2.4: MUST NOT be used).`,
          });
      }
    return hits;
  },
};
