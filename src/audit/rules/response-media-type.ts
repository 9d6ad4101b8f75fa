import type { AuditRule, RuleHit } from "../rule.js";

/**
 * IN-02 / OUT-05: a response documented with a wildcard media type, or with a body schema but
 * no media type, leaves clients to sniff content (XSS through text/html confusion).
 */
export const responseMediaType: AuditRule = {
  id: "response-media-type",
  items: ["IN-02", "OUT-05"],
  severity: "low",
  title: "Response media type missing or wildcard",
  tags: ["output", "content-type"],
  looksFor:
    "Response bodies without a declared media type, or with a wildcard, so that the client must sniff.",
  example: 'responses:\n  "200":\n    content:\n      "*/*": { schema: { type: object } }',
  fix: "Declare the exact media type of every response body, serve it as such, and answer 406 to Accept values you cannot honour.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      for (const [status, response] of Object.entries(op.responses)) {
        for (const media of response.content)
          if (media.mediaType.includes("*"))
            hits.push({
              pointer: media.pointer ?? response.pointer ?? op.pointer,
              subject: media.mediaType,
              detail: `${name} answers ${status} with the wildcard media type "${media.mediaType}".`,
            });
        if (doc.version === "2.0" && response.content.length === 0 && response.pointer) {
          const schema = doc.resolve(`${response.pointer}/schema`);
          if (schema !== undefined)
            hits.push({
              pointer: response.pointer,
              detail: `${name} answers ${status} with a body but neither it nor the document declares produces.`,
            });
        }
      }
    }
    return hits;
  },
};
