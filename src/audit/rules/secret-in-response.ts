import type { Operation } from "../../openapi/types.js";
import { normaliseName } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { asObject, responseSchemaPointers, typesOf, walkSchema } from "../schemas.js";

// Operations whose purpose is to issue credentials: tokens in their responses are the point.
const ISSUES_TOKENS =
  /\/(?:token|tokens|login|log-in|signin|sign-in|refresh|sessions?|authenticate|auth|oauth2?\/token|device_authorization)$/i;

/**
 * OUT-06 / AUTH-04: passwords, password hashes, secrets and tokens in response schemas leak to
 * every client, log and cache on the way. One finding per property, wherever it is shared.
 */
export const secretInResponse: AuditRule = {
  id: "secret-in-response",
  items: ["OUT-06", "AUTH-04"],
  severity: "high",
  title: "Secret or credential in a response schema",
  fix: "Remove the property from response schemas (a separate input schema, or writeOnly: true) and from what the server serialises.",
  run({ doc, operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const op of operations) {
      const issuer = issuesTokens(op);
      for (const pointer of responseSchemaPointers(op))
        walkSchema(doc, pointer, seen, (node) => {
          if (node.name === undefined || node.schema.writeOnly === true) return;
          const types = typesOf(node.schema);
          // Secrets are strings: objects and arrays named so (a `pin` record) hold none themselves.
          if (types.length > 0 && !types.includes("string")) return;
          const format = node.schema.format;
          if (format === "date" || format === "date-time") return;
          const name = node.name;
          const secret = vocabulary.isSecretName(name);
          const token = !secret && vocabulary.isTokenName(name);
          if (!secret && !token) return;
          if (token && (issuer || isTokenResponse(node.parent))) return;
          hits.push({
            pointer: node.pointer,
            subject: name,
            ...(secret ? {} : { severity: "medium" as const }),
            detail: secret
              ? `Response property "${name}" (reached from ${op.method.toUpperCase()} ${op.path}) returns a secret to clients.`
              : `Response property "${name}" (reached from ${op.method.toUpperCase()} ${op.path}) returns a bearer credential outside a token-issuing operation.`,
          });
        });
    }
    return hits;
  },
};

function issuesTokens(op: Operation): boolean {
  return ISSUES_TOKENS.test(op.path);
}

/** An RFC 6749 5.1 token response: `access_token` with `token_type`. */
function isTokenResponse(schema: Readonly<Record<string, unknown>> | undefined): boolean {
  const properties = asObject(schema?.properties);
  if (!properties) return false;
  const names = Object.keys(properties).map(normaliseName);
  return names.includes("access_token") && names.includes("token_type");
}
