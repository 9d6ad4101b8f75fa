import { securitySchemes } from "../../openapi/security-schemes.js";
import type { AuditRule, RuleHit } from "../rule.js";

/** AUTH-01: an HTTP Basic scheme sends the password itself with every request. */
export const basicAuthScheme: AuditRule = {
  id: "basic-auth-scheme",
  items: ["AUTH-01"],
  severity: "high",
  title: "HTTP Basic authentication scheme offered",
  tags: ["authentication", "credentials"],
  looksFor:
    "A securitySchemes entry of type http with scheme basic (or Swagger 2.0 type: basic): every request then carries the reusable password.",
  example: "components:\n  securitySchemes:\n    login:\n      type: http\n      scheme: basic",
  fix: "Remove the basic scheme from the document and the API; require a bearer token (RFC 6750) instead.",
  run({ doc }) {
    const hits: RuleHit[] = [];
    for (const scheme of securitySchemes(doc)) {
      const basic =
        (scheme.value.type === "http" &&
          typeof scheme.value.scheme === "string" &&
          scheme.value.scheme.toLowerCase() === "basic") ||
        scheme.value.type === "basic";
      if (basic)
        hits.push({
          pointer: scheme.pointer,
          detail: `Security scheme "${scheme.name}" is HTTP Basic (RFC 7617): the password travels, base64-encoded only, on every request.`,
        });
    }
    return hits;
  },
};
