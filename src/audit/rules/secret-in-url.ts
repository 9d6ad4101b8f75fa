import { childPointer } from "../../openapi/pointer.js";
import { securitySchemes } from "../../openapi/security-schemes.js";
import { isItemOfCollection, NOT_SECRET, normaliseName } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { typesOf } from "../schemas.js";

/**
 * IN-05: credentials in the URL end up in access logs, proxy logs, browser history and Referer
 * headers. Found by apiKey schemes `in: query` whatever the parameter is called, and by the
 * parameter's name or `format: password` (descriptions are too vague to go by: silence).
 * In a URL, any token named after what it opens (`user_token`, `cli_token`, `invite_token`) is a
 * bearer credential: whoever reads the log line can replay it (RFC 6750 5.3). A path parameter
 * that names the item of its collection (`/tokens/{token}`, `/Addresses/{Sid}.json`,
 * `/authorizations/{authorization}`) is that object's id, not a credential.
 */
export const secretInUrl: AuditRule = {
  id: "secret-in-url",
  items: ["IN-05"],
  severity: "high",
  title: "Credential in the URL",
  tags: ["secrets", "credentials", "input"],
  looksFor:
    "Credentials taken in the query or the path (api_key, access_token, password, <what>_token), or an apiKey scheme in: query; identifiers such as *Sid or *Id are not credentials.",
  example: "parameters:\n  - name: api_key\n    in: query\n    schema: { type: string }",
  fix: "Take credentials in the Authorization header (RFC 6750 2.1) or a header-based API key, never in the query or path.",
  run({ doc, operations, vocabulary }) {
    const hits: RuleHit[] = [];
    for (const scheme of securitySchemes(doc))
      if (scheme.value.type === "apiKey" && scheme.value.in === "query")
        hits.push({
          pointer: childPointer(scheme.pointer, "in"),
          detail: `API key scheme "${scheme.name}" takes the key in the query parameter "${String(scheme.value.name)}".`,
        });
    const seen = new Set<string>();
    for (const op of operations)
      for (const p of op.parameters) {
        if (p.in !== "query" && p.in !== "path") continue;
        const where = doc.locate(p.pointer);
        const key = where ? `${where.file}#${where.pointer}` : p.pointer;
        if (seen.has(key)) continue;
        seen.add(key);
        const types = p.schema ? typesOf(p.schema) : [];
        if (types.some((t) => t === "boolean" || t === "integer" || t === "number")) continue;
        if (p.in === "path" && isItemOfCollection(op.path, p.name)) continue;
        const byName =
          vocabulary.isSecretName(p.name) || vocabulary.isTokenName(p.name) || isUrlToken(p.name);
        const byFormat = p.schema?.format === "password";
        if (!byName && !byFormat) continue;
        hits.push({
          pointer: p.pointer,
          detail: `${p.in} parameter "${p.name}" of ${op.method.toUpperCase()} ${op.path} carries a credential${byName ? "" : " (format: password)"}.`,
        });
      }
    return hits;
  },
};

// `<what>_token`, except the tokens that page through results or make a request idempotent.
const URL_TOKEN = /(?:^|_)token$/;
const NOT_CREDENTIAL_TOKEN =
  /^(?:idempotency|client|client_request|request|csrf|xsrf|anti_forgery|pagination)_token$/;

function isUrlToken(name: string): boolean {
  const n = normaliseName(name);
  return URL_TOKEN.test(n) && !NOT_SECRET.test(n) && !NOT_CREDENTIAL_TOKEN.test(n);
}
