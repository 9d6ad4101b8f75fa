import type { AuditRule, RuleHit } from "../rule.js";
import { isObjectReference, walkRequestSchemas } from "../schemas.js";

/**
 * OUT-06 / AUTH-04: a secret input not marked `writeOnly` may be echoed by generated servers and
 * clients, and invites reuse of the schema in responses. Documentation: info. A property that
 * refers to a secret object (Kubernetes' `secret: SecretVolumeSource`) holds no secret itself.
 */
export const secretNotWriteOnly: AuditRule = {
  id: "secret-not-write-only",
  items: ["OUT-06", "AUTH-04"],
  severity: "info",
  title: "Secret request property not writeOnly",
  tags: ["secrets", "output"],
  looksFor:
    "Request properties named like a password or secret that are not writeOnly, so that a schema shared with responses may echo them; a property that refers to a secret object is not a secret.",
  example:
    "components:\n  schemas:\n    Signup:\n      properties:\n        password: { type: string }",
  fix: "Mark password and secret properties writeOnly: true (and format: password).",
  run({ doc, operations, vocabulary }) {
    const hits: RuleHit[] = [];
    walkRequestSchemas(doc, operations, (node) => {
      if (node.name === undefined || node.schema.writeOnly === true) return;
      if (!vocabulary.isSecretName(node.name) || isObjectReference(doc, node)) return;
      hits.push({
        pointer: node.pointer,
        subject: node.name,
        detail: `Request property "${node.name}" is a secret but is not marked writeOnly.`,
      });
    });
    return hits;
  },
};
