import type { AuditRule, RuleHit } from "../rule.js";

/**
 * IN-03: a request body without a media type, or with a wildcard, means the server parses
 * whatever arrives instead of answering 415 (parser confusion, XML/YAML bombs).
 */
export const requestMediaType: AuditRule = {
  id: "request-media-type",
  items: ["IN-03"],
  severity: "medium",
  title: "Request body media type missing or wildcard",
  tags: ["input", "content-type"],
  looksFor:
    "Request bodies without any media type (low), or that accept a wildcard media type such as */* or application/*.",
  example: 'requestBody:\n  content:\n    "*/*": { schema: { type: object } }',
  fix: "Declare the exact media types accepted (e.g. application/json) and answer 415 to anything else.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      const body = op.requestBody;
      if (!body) continue;
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (body.content.length === 0) {
        hits.push({
          pointer: body.pointer ?? op.pointer,
          severity: "low",
          detail:
            doc.version === "2.0"
              ? `${name} takes a body but neither it nor the document declares consumes.`
              : `${name} declares a request body without any media type.`,
        });
        continue;
      }
      for (const media of body.content)
        if (media.mediaType.includes("*"))
          hits.push({
            pointer: media.pointer ?? body.pointer ?? op.pointer,
            subject: media.mediaType,
            detail: `${name} accepts the wildcard media type "${media.mediaType}".`,
          });
    }
    return hits;
  },
};
