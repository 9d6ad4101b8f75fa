import { childPointer } from "../../openapi/pointer.js";
import type { Operation } from "../../openapi/types.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { asObject } from "../schemas.js";

/**
 * IN-01: GET, HEAD and DELETE requests have no defined body semantics (RFC 9110 9.3.1, 9.3.2,
 * 9.3.5): intermediaries drop or mangle such bodies, and they enable request smuggling. Safe
 * methods that answer 201 Created do not match their semantics either (RFC 9110 9.2.1). A body
 * that can hold nothing (an empty object closed with `additionalProperties: false`, as generators
 * write for every Stripe GET) is no body.
 */
export const methodSemantics: AuditRule = {
  id: "method-semantics",
  items: ["IN-01"],
  severity: "medium",
  title: "Operation does not match its method's semantics",
  tags: ["input", "design"],
  looksFor:
    "GET, HEAD and DELETE operations that take a request body, and safe methods that answer 201 Created.",
  example:
    "paths:\n  /search:\n    get:\n      requestBody:\n        content:\n          application/json: { schema: { type: object } }",
  fix: "Send inputs of GET / HEAD / DELETE in the path or query; create resources with POST or PUT.",
  run({ operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (op.requestBody && ["get", "head", "delete"].includes(op.method) && takesInput(op))
        hits.push({
          pointer: op.requestBody.pointer ?? op.pointer,
          ...(op.method === "delete" ? { severity: "low" as const } : {}),
          detail: `${name} takes a request body, which ${op.method.toUpperCase()} gives no meaning to (RFC 9110).`,
        });
      if (["get", "head", "options"].includes(op.method) && op.responses["201"])
        hits.push({
          pointer: op.responses["201"].pointer ?? childPointer(op.pointer, "responses"),
          severity: "low",
          detail: `${name} answers 201 Created, but ${op.method.toUpperCase()} is a safe method that must not create anything.`,
        });
    }
    return hits;
  },
};

function takesInput(op: Operation): boolean {
  const content = op.requestBody?.content ?? [];
  return (
    content.length === 0 ||
    content.some((media) => {
      const schema = media.schema;
      const properties = asObject(schema?.properties);
      return !(
        schema?.additionalProperties === false &&
        properties !== undefined &&
        Object.keys(properties).length === 0
      );
    })
  );
}
