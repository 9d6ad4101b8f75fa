import type { AuditRule, RuleHit } from "../rule.js";
import { asObject, unboundedFile } from "../schemas.js";

/**
 * PROC-06: file uploads through the API host tie up its workers and disks and put untrusted
 * files next to the application. The document cannot show where files end up, so an upload is
 * info; an upload without any size bound is low (EXT-06).
 */
export const multipartUpload: AuditRule = {
  id: "multipart-upload",
  items: ["PROC-06"],
  severity: "info",
  title: "File upload through the API",
  tags: ["processing", "uploads"],
  looksFor:
    "Request bodies that upload files (multipart/form-data with a binary field, octet-stream, image, audio or video): info, low when no size bound (maxLength) is declared.",
  example:
    "requestBody:\n  content:\n    multipart/form-data:\n      schema:\n        properties:\n          file: { type: string, format: binary }",
  fix: "Hand out pre-signed URLs of an object store or CDN for uploads; if files must pass through the API, bound their size and type.",
  run({ operations }) {
    const hits: RuleHit[] = [];
    for (const op of operations) {
      const body = op.requestBody;
      if (!body) continue;
      for (const media of body.content) {
        const type = media.mediaType.toLowerCase();
        const binary = type === "application/octet-stream" || /^(?:image|video|audio)\//.test(type);
        if (!type.startsWith("multipart/") && !binary) continue;
        const properties = asObject(media.schema?.properties) ?? {};
        const files = Object.entries(properties)
          .filter(([, s]) => isFile(asObject(s)))
          .map(([name]) => name);
        if (type.startsWith("multipart/") && files.length === 0) continue;
        const unbounded = binary
          ? media.schema === undefined || unboundedFile(media.schema)
          : files.some((f) => unboundedFile(asObject(properties[f]) ?? {}));
        hits.push({
          pointer: media.pointer ?? body.pointer ?? op.pointer,
          subject: type,
          ...(unbounded ? { severity: "low" as const } : {}),
          detail: `${op.method.toUpperCase()} ${op.path} uploads ${binary ? `a ${type} body` : `file field(s) ${files.map((f) => `"${f}"`).join(", ")}`} to the API host${unbounded ? " without a size bound (maxLength)" : ""}.`,
        });
      }
    }
    return hits;
  },
};

function isFile(schema: Readonly<Record<string, unknown>> | undefined): boolean {
  if (!schema) return false;
  return (
    schema.type === "file" ||
    schema.format === "binary" ||
    schema.format === "base64" ||
    schema.contentMediaType !== undefined ||
    schema.contentEncoding !== undefined
  );
}
