import { childPointer } from "../../openapi/pointer.js";
import { isSecretName, isTokenName } from "../names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { typesOf } from "../schemas.js";
import { securitySchemes } from "./security-schemes.js";

/**
 * IN-05: credentials in the URL end up in access logs, proxy logs, browser history and Referer
 * headers. Found by apiKey schemes `in: query` whatever the parameter is called, and by the
 * parameter's name or `format: password` (descriptions are too vague to go by: silence).
 */
export const secretInUrl: AuditRule = {
  id: "secret-in-url",
  items: ["IN-05"],
  severity: "high",
  title: "Credential in the URL",
  fix: "Take credentials in the Authorization header (RFC 6750 2.1) or a header-based API key, never in the query or path.",
  run({ doc, operations }) {
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
        const byName = isSecretName(p.name) || isTokenName(p.name);
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
