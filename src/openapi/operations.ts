import { childPointer } from "./pointer.js";
import type { LoadedDocument, MediaContent, Operation, Parameter } from "./types.js";

/** The HTTP methods an OpenAPI path item may hold, in document order of the specification. */
export const HTTP_METHODS = [
  "get",
  "put",
  "post",
  "delete",
  "options",
  "head",
  "patch",
  "trace",
] as const;

/** A JSON object of the document, read-only. */
export type Obj = Readonly<Record<string, unknown>>;
type ResponseShape = Operation["responses"][string];

/**
 * Lists the operations of a loaded document in one shape whatever its version: parameters merged
 * (path level, overridden by operation level), Swagger 2.0 `body` / `formData` parameters turned
 * into a request body whose media types come from `consumes`, responses' media types from
 * `produces`, the effective security and the `x-rampart-public` reason.
 *
 * @example
 * ```ts
 * for (const op of listOperations(await loadOpenApiFile("openapi.yaml")))
 *   console.log(op.method.toUpperCase(), op.path, op.security === undefined ? "no security" : "");
 * ```
 */
export function listOperations(doc: LoadedDocument): Operation[] {
  const paths = asObject(doc.resolve("/paths"));
  if (!paths) return [];
  const root = doc.raw;
  const operations: Operation[] = [];
  for (const path of Object.keys(paths)) {
    if (!path.startsWith("/")) continue; // `x-` extensions of the paths object
    const itemPointer = childPointer("/paths", path);
    const item = asObject(doc.resolve(itemPointer));
    if (!item) continue;
    for (const method of HTTP_METHODS) {
      const pointer = childPointer(itemPointer, method);
      const op = asObject(doc.resolve(pointer));
      if (!op) continue;
      const params = mergeParameters(doc, itemPointer, pointer);
      const shared = {
        method,
        path,
        pointer,
        ...(typeof op.operationId === "string" ? { operationId: op.operationId } : {}),
        security: securityOf(op, root),
        ...publicReasonOf(op, item),
        ...tagsOf(op),
      };
      if (doc.version === "2.0") {
        const consumes = mediaList(op.consumes) ?? mediaList(root.consumes) ?? [];
        const produces = mediaList(op.produces) ?? mediaList(root.produces) ?? [];
        const body = swaggerBody(params, consumes);
        operations.push({
          ...shared,
          parameters: params.filter((p) => p.in !== "body" && p.in !== "formData").map(toParameter),
          ...(body ? { requestBody: body } : {}),
          responses: swaggerResponses(doc, pointer, produces),
        });
      } else {
        const requestBody = openApiBody(doc, childPointer(pointer, "requestBody"));
        operations.push({
          ...shared,
          parameters: params.map(toParameter),
          ...(requestBody ? { requestBody } : {}),
          responses: openApiResponses(doc, pointer),
        });
      }
    }
  }
  return operations;
}

interface RawParameter {
  readonly name: string;
  readonly in: string;
  readonly value: Obj;
  readonly pointer: string;
}

function mergeParameters(doc: LoadedDocument, itemPointer: string, opPointer: string) {
  const byKey = new Map<string, RawParameter>();
  for (const base of [itemPointer, opPointer]) {
    const list = doc.resolve(childPointer(base, "parameters"));
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const pointer = childPointer(base, "parameters", i);
      const value = asObject(doc.resolve(pointer));
      if (!value || typeof value.name !== "string" || typeof value.in !== "string") continue;
      // An operation's parameter overrides the path item's one of the same name and location.
      byKey.set(`${value.in}\u0000${value.name}`, {
        name: value.name,
        in: value.in,
        value,
        pointer,
      });
    }
  }
  return [...byKey.values()];
}

function toParameter(raw: RawParameter): Parameter {
  const v = raw.value;
  const swaggerStyle = v.schema === undefined && v.content === undefined && "type" in v;
  let schema = asObject(v.schema);
  let schemaPointer: string | undefined = schema ? childPointer(raw.pointer, "schema") : undefined;
  if (!schema && swaggerStyle) {
    schema = v;
    schemaPointer = raw.pointer;
  }
  if (!schema) {
    // 3.x `content` parameters: the schema of the single media type.
    const content = asObject(v.content);
    const first = content ? Object.keys(content)[0] : undefined;
    const media = first && content ? asObject(content[first]) : undefined;
    if (first && asObject(media?.schema)) {
      schema = asObject(media?.schema);
      schemaPointer = childPointer(raw.pointer, "content", first, "schema");
    }
  }
  return {
    name: raw.name,
    in: raw.in as Parameter["in"],
    required: v.required === true || raw.in === "path",
    ...(schema ? { schema } : {}),
    ...(schemaPointer ? { schemaPointer } : {}),
    ...(v.example !== undefined ? { example: v.example } : {}),
    ...(typeof v.description === "string" ? { description: v.description } : {}),
    pointer: raw.pointer,
  };
}

function securityOf(op: Obj, root: Obj): Operation["security"] {
  const own = op.security ?? root.security;
  if (!Array.isArray(own)) return undefined;
  return own.filter(
    (r): r is Record<string, string[]> => typeof r === "object" && r !== null && !Array.isArray(r),
  );
}

function tagsOf(op: Obj): { tags?: string[] } {
  const tags = Array.isArray(op.tags)
    ? op.tags.filter((t): t is string => typeof t === "string")
    : [];
  return tags.length > 0 ? { tags } : {};
}

function publicReasonOf(op: Obj, item: Obj): { publicReason?: string } {
  const mark = op["x-rampart-public"] ?? item["x-rampart-public"];
  return typeof mark === "string" && mark.trim() !== "" ? { publicReason: mark.trim() } : {};
}

function openApiBody(doc: LoadedDocument, pointer: string): Operation["requestBody"] {
  const body = asObject(doc.resolve(pointer));
  if (!body) return undefined;
  return {
    required: body.required === true,
    content: openApiContent(doc, childPointer(pointer, "content")),
    pointer,
  };
}

function openApiContent(doc: LoadedDocument, pointer: string): MediaContent[] {
  const content = asObject(doc.resolve(pointer));
  if (!content) return [];
  return Object.keys(content).map((mediaType) => {
    const mediaPointer = childPointer(pointer, mediaType);
    const media = asObject(doc.resolve(mediaPointer)) ?? {};
    const schemaPointer = childPointer(mediaPointer, "schema");
    const schema = asObject(doc.resolve(schemaPointer));
    return {
      mediaType,
      ...(schema ? { schema, schemaPointer } : {}),
      ...(media.example !== undefined ? { example: media.example } : {}),
      pointer: mediaPointer,
    };
  });
}

function openApiResponses(doc: LoadedDocument, opPointer: string): Operation["responses"] {
  const base = childPointer(opPointer, "responses");
  const responses = asObject(doc.resolve(base));
  const out: Record<string, ResponseShape> = {};
  for (const status of Object.keys(responses ?? {})) {
    if (status.startsWith("x-")) continue;
    const pointer = childPointer(base, status);
    const headers = asObject(doc.resolve(childPointer(pointer, "headers")));
    out[status] = {
      content: openApiContent(doc, childPointer(pointer, "content")),
      headers: Object.keys(headers ?? {}),
      pointer,
    };
  }
  return out;
}

function swaggerBody(params: readonly RawParameter[], consumes: readonly string[]) {
  const body = params.find((p) => p.in === "body");
  if (body) {
    const schema = asObject(body.value.schema);
    const schemaPointer = childPointer(body.pointer, "schema");
    return {
      required: body.value.required === true,
      content: consumes.map((mediaType) => ({
        mediaType,
        ...(schema ? { schema, schemaPointer } : {}),
        pointer: body.pointer,
      })),
      pointer: body.pointer,
    };
  }
  const form = params.filter((p) => p.in === "formData");
  const first = form[0];
  if (!first) return undefined;
  // formData parameters describe the fields of one form: gather them into an object schema.
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const p of form) {
    const { name: _n, in: _i, required: isRequired, ...keywords } = p.value;
    properties[p.name] = keywords;
    if (isRequired === true) required.push(p.name);
  }
  const schema = { type: "object", properties, ...(required.length ? { required } : {}) };
  const hasFile = form.some((p) => p.value.type === "file");
  const types = consumes.length
    ? consumes
    : [hasFile ? "multipart/form-data" : "application/x-www-form-urlencoded"];
  return {
    required: required.length > 0,
    content: types.map((mediaType) => ({ mediaType, schema, pointer: first.pointer })),
    pointer: first.pointer,
  };
}

function swaggerResponses(
  doc: LoadedDocument,
  opPointer: string,
  produces: readonly string[],
): Operation["responses"] {
  const base = childPointer(opPointer, "responses");
  const responses = asObject(doc.resolve(base));
  const out: Record<string, ResponseShape> = {};
  for (const status of Object.keys(responses ?? {})) {
    if (status.startsWith("x-")) continue;
    const pointer = childPointer(base, status);
    const response = asObject(doc.resolve(pointer)) ?? {};
    const schemaPointer = childPointer(pointer, "schema");
    const schema = asObject(doc.resolve(schemaPointer));
    const headers = asObject(response.headers);
    out[status] = {
      content: schema
        ? produces.map((mediaType) => ({ mediaType, schema, schemaPointer, pointer }))
        : [],
      headers: Object.keys(headers ?? {}),
      pointer,
    };
  }
  return out;
}

function mediaList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

/**
 * The value as a JSON object, or undefined for anything else (arrays included).
 *
 * @example
 * ```ts
 * asObject({ type: "oauth2" })?.type; // "oauth2"
 * ```
 */
export function asObject(value: unknown): Obj | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Obj)
    : undefined;
}
