import type { LoadedDocument, Operation } from "../../openapi/types.js";
import { ISSUED_SECRET_NAME, isSidName, normaliseName } from "../../vocabulary/names.js";
import type { AuditRule, RuleHit } from "../rule.js";
import {
  asObject,
  isObjectReference,
  looksLikeIdentifier,
  responseSchemaPointers,
  typesOf,
  walkRequestSchemas,
  walkSchema,
  writtenKey,
} from "../schemas.js";

// Operations whose purpose is to issue credentials: tokens in their responses are the point.
const ISSUES_TOKENS =
  /\/(?:[\w-]*[-_])?(?:tokens?|login|log-in|signin|sign-in|refresh|sessions?|authenticate|auth|oauth2?\/token|device_authorization)(?:\.\w+)?$/i;
// Collections of issued tokens (`POST .../Tokens.json`): a secret returned by their writes is a
// credential they issue (a login that returned a password would still echo the user's own).
const TOKEN_COLLECTION = /\/(?:[\w-]*[-_])?tokens?(?:\.\w+)?$/i;
// Operations that report leaked secrets (secret-scanning alerts): the secret is their subject.
const REPORTS_LEAKS = /\/(?:[\w-]*[-_])?(?:alerts?|leaks?|detections?)(?:\/|$)/i;
const DETECTED = /\b(?:detected|leaked|exposed)\b/i;
// What documents say of a secret shown once: "Only returned at creation."
const ONLY_AT_CREATION = /only (?:returned|shown|available|visible)[^.]*(?:creat|once)/i;
// An example that is only a mask: the server never returns the value.
const MASKED = /^["']?[*•x]{4,}["']?$/i;
const LIST_WRAPPER = /^(?:data|items|results|records|entries|values|list|nodes)$/;

/**
 * OUT-06 / AUTH-04: passwords, password hashes, secrets and tokens in response schemas leak to
 * every client, log and cache on the way. One finding per property, wherever it is shared,
 * traced to an operation that returns the object holding it (a read when there is one).
 * Calibrated by context:
 * - an id-or-object reference (`authorization: anyOf [string, $ref]`) or a Twilio `sid` is no
 *   secret; an object echoed back to the caller who sent it (a token review) discloses nothing;
 * - a credential the API issues (a key's secret) returned only by writes, or documented as shown
 *   once, is by design: info, with the advice to show it once;
 * - a value the document shows masked (`example: "********"`): info;
 * - a secret returned only by a write to a token-issuing operation (Twilio's TURN credentials from
 *   `POST .../Tokens.json`) is issued there: info, like a key's secret;
 * - a leaked secret that a security alert reports (GitHub's secret-scanning alerts: "The secret
 *   that was detected") is the alert's subject: info, with the advice to restrict and mask it.
 */
export const secretInResponse: AuditRule = {
  id: "secret-in-response",
  items: ["OUT-06", "AUTH-04"],
  severity: "high",
  title: "Secret or credential in a response schema",
  tags: ["secrets", "output", "credentials"],
  looksFor:
    "Response schemas with a password, secret, private key or token field; a credential an operation issues (a key's secret, a token collection's password), a masked value and the leaked secret a security alert reports are info.",
  example:
    'paths:\n  /users/{id}:\n    get:\n      responses:\n        "200":\n          content:\n            application/json:\n              schema:\n                properties: { password: { type: string } }',
  fix: "Remove the property from response schemas (a separate input schema, or writeOnly: true) and from what the server serialises.",
  run({ doc, operations, vocabulary }) {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    const returnedBy = holdersReturned(doc, operations);
    let sent: Set<string> | undefined;
    const sentByCallers = () => {
      if (!sent) {
        const keys = new Set<string>();
        walkRequestSchemas(doc, operations, (node) => keys.add(node.key));
        sent = keys;
      }
      return sent;
    };
    for (const op of operations)
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
          if (isObjectReference(doc, node)) return;
          if (isSidName(name) && looksLikeIdentifier(node.schema)) return;
          const holders = node.parentKey ? (returnedBy.get(node.parentKey) ?? []) : [];
          const via = holders.find((o) => o.method === "get") ?? holders[0] ?? op;
          const readBack =
            holders.some((o) => o.method === "get") || (!holders.length && op.method === "get");
          if (token && (issuesTokens(via) || issuesTokens(op) || isTokenResponse(node.parent)))
            return;
          if (!readBack && node.parentKey && sentByCallers().has(node.parentKey)) return;
          const where = `${via.method.toUpperCase()} ${via.path}`;
          const issued = ISSUED_SECRET_NAME.test(normaliseName(name));
          const description =
            typeof node.schema.description === "string" ? node.schema.description : "";
          if (MASKED.test(String(node.schema.example ?? ""))) {
            hits.push({
              pointer: node.pointer,
              subject: name,
              severity: "info",
              detail: `Response property "${name}" (returned by ${where}) is a secret the document shows masked.`,
              fix: "Mark it writeOnly: true so that generated clients and servers never echo it.",
            });
            return;
          }
          if (
            secret &&
            DETECTED.test(description) &&
            (REPORTS_LEAKS.test(via.path) || REPORTS_LEAKS.test(op.path))
          ) {
            hits.push({
              pointer: node.pointer,
              subject: name,
              severity: "info",
              detail: `Response property "${name}" (returned by ${where}) is a leaked secret that a security alert reports: showing it to those who triage the alert is the purpose.`,
              fix: "Restrict these operations to security roles, mask the value by default (reveal on request, logged), and revoke the secret rather than only closing the alert.",
            });
            return;
          }
          const issuedHere =
            !readBack && (TOKEN_COLLECTION.test(via.path) || TOKEN_COLLECTION.test(op.path));
          if (
            (issued || (secret && issuedHere)) &&
            (!readBack || ONLY_AT_CREATION.test(description))
          ) {
            hits.push({
              pointer: node.pointer,
              subject: name,
              severity: "info",
              detail: `Response property "${name}" (returned by ${where}) is a credential the API issues: returning it when it is created is by design.`,
              fix: "Return it once, at creation, never on later reads; tell clients to store it as a secret; keep only a hash (or the last characters to identify it).",
            });
            return;
          }
          hits.push({
            pointer: node.pointer,
            subject: name,
            ...(secret ? {} : { severity: "medium" as const }),
            detail: secret
              ? `Response property "${name}" (returned by ${where}) returns a secret to clients.`
              : `Response property "${name}" (returned by ${where}) returns a bearer credential outside a token-issuing operation.`,
          });
        });
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

/**
 * The operations that return each object schema itself (the response, its items, the items of
 * its list wrapper, or its allOf / anyOf / oneOf parts), by where the schema is written.
 */
function holdersReturned(
  doc: LoadedDocument,
  operations: readonly Operation[],
): Map<string, Operation[]> {
  const out = new Map<string, Operation[]>();
  const add = (pointer: string, op: Operation, depth: number): void => {
    const schema = asObject(doc.resolve(pointer));
    if (!schema || depth > 3) return;
    const key = writtenKey(doc, pointer);
    const list = out.get(key) ?? [];
    if (!list.includes(op)) list.push(op);
    out.set(key, list);
    if (asObject(schema.items)) add(`${pointer}/items`, op, depth + 1);
    for (const combinator of ["allOf", "anyOf", "oneOf"]) {
      const parts = schema[combinator];
      if (Array.isArray(parts))
        for (let i = 0; i < parts.length; i++) add(`${pointer}/${combinator}/${i}`, op, depth + 1);
    }
    for (const name of Object.keys(asObject(schema.properties) ?? {}))
      if (LIST_WRAPPER.test(name)) {
        const wrapped = `${pointer}/properties/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        if (asObject(asObject(doc.resolve(wrapped))?.items)) add(`${wrapped}/items`, op, depth + 1);
      }
  };
  for (const op of operations)
    for (const pointer of responseSchemaPointers(op, true)) add(pointer, op, 0);
  return out;
}
