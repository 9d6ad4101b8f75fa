import type { AuditRule, RuleHit } from "../rule.js";
import { typesOf, walkRequestSchemas } from "../schemas.js";

/**
 * IN-04 / EXT-05: a request object that accepts properties it does not declare lets clients
 * slip in fields the server may bind (mass assignment). Explicitly open (`additionalProperties:
 * true`) is a design choice to question: low; merely unstated: info.
 */
export const openRequestObject: AuditRule = {
  id: "open-request-object",
  items: ["IN-04", "EXT-05"],
  severity: "info",
  title: "Request object accepts undeclared properties",
  tags: ["input", "mass-assignment"],
  looksFor:
    "Request body objects that accept properties they do not declare (additionalProperties absent or true): the door to mass assignment.",
  example:
    "requestBody:\n  content:\n    application/json:\n      schema:\n        type: object\n        properties: { name: { type: string, maxLength: 80 } }",
  fix: "Set additionalProperties: false (unevaluatedProperties: false with allOf in 3.1) on request objects.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    walkRequestSchemas(doc, operations, (node) => {
      const s = node.schema;
      if (!typesOf(s).includes("object") && s.properties === undefined) return;
      if (s.properties === undefined) return; // a free-form map is intended
      if (s.allOf || s.oneOf || s.anyOf) return; // composition: closing it is version-specific
      if (s.additionalProperties === false || s.unevaluatedProperties === false) return;
      if (typeof s.additionalProperties === "object") return; // a typed map
      const explicit = s.additionalProperties === true;
      hits.push({
        pointer: node.pointer,
        ...(explicit ? { severity: "low" as const } : {}),
        detail: explicit
          ? `Request object${node.name ? ` "${node.name}"` : ""} explicitly accepts any undeclared property (additionalProperties: true).`
          : `Request object${node.name ? ` "${node.name}"` : ""} does not refuse undeclared properties.`,
      });
    });
    return hits;
  },
};
