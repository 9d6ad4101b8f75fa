import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formatsPlugin from "ajv-formats";
import type { LoadedDocument, Operation, Parameter } from "../../openapi/types.js";
import {
  type Direction,
  type FoundPattern,
  type JsonSchema,
  READ_ONLY_KEYWORD,
  toJsonSchema,
} from "./dialect.js";
import { LENGTH_KEYWORDS } from "./lengths.js";
import { compileProjection, type Projection } from "./project.js";
import { backtrackingRisk } from "./redos.js";

const addFormats = (
  formatsPlugin as unknown as { default: (ajv: Ajv2020, options: { mode: "fast" }) => Ajv2020 }
).default;

/** What a request did wrong: where (never the value), and a short reason for metrics. */
export interface Violation {
  /** `body /role`, `query parameter "limit"`, `header "x-trace-id"`, `path parameter "id"`. */
  readonly location: string;
  /** A stable word: type, required, unknown-property, read-only, format, length, range, ... */
  readonly reason: string;
  /** The sentence for the problem document: the location and what it must be. */
  readonly message: string;
}

/** Request-side options that change how an operation compiles. */
export interface CompileOptions {
  /** Remove undeclared properties of closed schemas from JSON bodies rather than refuse them. */
  readonly strip: boolean;
}

/** One input location's validator: the object of names and values it checks. */
export interface LocationCheck {
  readonly validate: ValidateFunction;
  /** The declared names (headers in lower case): only these are read from the request. */
  readonly names: readonly string[];
  /** How the location is named in a violation, by parameter name. */
  readonly label: (name: string) => string;
}

/** A body media type of an operation, compiled. */
export interface BodyCheck {
  readonly kind: "json" | "form" | "multipart" | "other";
  readonly validate: ValidateFunction | undefined;
  /** Declared field names and required ones (multipart: only names are checked). */
  readonly fields:
    | {
        readonly declared: ReadonlySet<string>;
        readonly required: readonly string[];
        readonly closed: boolean;
      }
    | undefined;
}

/** A JSON response schema, in the response direction, compiled into its projection. */
export interface ResponseShape {
  readonly schema: JsonSchema;
  /** Removes undeclared and writeOnly members; tells from a JSON text whether any would go. */
  readonly projection: Projection;
}

/** An operation with its validators, compiled for one set of options. */
export interface CompiledOperation {
  /** operationId, else `METHOD /path` as the document writes it. */
  readonly id: string;
  readonly path: LocationCheck | undefined;
  /** Document names of the route pattern's `:params`, in order. */
  readonly pathNames: readonly string[];
  readonly query: LocationCheck | undefined;
  /** Query parameters whose arrays come as one comma-separated value (`explode: false`). */
  readonly commaArrays: ReadonlySet<string>;
  readonly header: LocationCheck | undefined;
  readonly cookie: LocationCheck | undefined;
  /** Request bodies by media type (lower case, no parameters); undefined: none described. */
  readonly bodies: ReadonlyMap<string, BodyCheck> | undefined;
  readonly bodyRequired: boolean;
  /** Response statuses as declared (`200`, `4XX`, `default`), each with its JSON shapes. */
  readonly responses: ReadonlyMap<string, ReadonlyMap<string, ResponseShape>>;
}

/** An operation of the document matched to a route; compiled on demand, once per options. */
export interface OperationContract {
  readonly id: string;
  readonly operation: Operation;
  compile(options: CompileOptions): CompiledOperation;
}

/** The document's operations, prepared once per route table. */
export interface Contract {
  /** The operations of a route pattern (find-my-way syntax), by upper-case method. */
  forRoute(pattern: string, methods: readonly string[]): ReadonlyMap<string, OperationContract>;
}

/** The key of a route pattern or an operation path whatever its parameter names are. */
function shapeOf(pattern: string): string {
  return pattern.replace(/\{[^}/]+\}/g, ":").replace(/:[^/]+/g, ":");
}

/**
 * Prepares the operations of a loaded OpenAPI document for the guard's positive model: each
 * path template (under the first server URL's path) keyed by its shape, every pattern of every
 * schema checked for catastrophic backtracking (reported through `report` with the pattern's
 * pointer), three ajv instances shared by the table (JSON bodies as sent, JSON bodies with
 * undeclared properties stripped, and parameters with string coercion).
 *
 * @example
 * ```ts
 * const contract = createContract(doc, listOperations(doc), "/v1", (pointer, message) => problems.push(message));
 * contract.forRoute("/v1/users/:id", ["GET"]).get("GET")?.compile({ strip: false });
 * ```
 */
export function createContract(
  doc: LoadedDocument,
  operations: readonly Operation[],
  basePath: string,
  report: (pointer: string | undefined, message: string) => void,
): Contract {
  const engines = {
    body: engine({}),
    strip: engine({ removeAdditional: true }),
    params: engine({ coerceTypes: "array" }),
  };
  const queryKeys = apiKeysInQuery(doc);
  const byShape = new Map<string, Map<string, OperationContract>>();
  const patterns: FoundPattern[] = [];
  const prefix = basePath.replace(/\/+$/, "");
  for (const operation of operations) {
    const shape = shapeOf(`${prefix}${operation.path}`);
    let methods = byShape.get(shape);
    if (!methods) {
      methods = new Map();
      byShape.set(shape, methods);
    }
    methods.set(operation.method.toUpperCase(), prepare(operation));
  }
  // A pattern reached through several $refs is one pattern: reported once, where it is written.
  const checked = new Set<string>();
  for (const { source, pointer } of patterns) {
    const where = pointer ? doc.locate(pointer) : undefined;
    const place = where ? `${where.file}:${where.line}:${where.column}` : undefined;
    const key = `${place ?? pointer}\0${source}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const risk = backtrackingRisk(source);
    if (risk)
      report(
        pointer,
        `pattern ${JSON.stringify(source)}${place ? ` at ${place}` : ""} is refused: ${risk} (catastrophic backtracking on client input, CWE-1333); rewrite it, or set validation.mode: off`,
      );
  }

  return {
    forRoute(pattern, methods) {
      const found = byShape.get(shapeOf(pattern));
      const out = new Map<string, OperationContract>();
      if (!found) return out;
      for (const method of methods) {
        const op = found.get(method);
        if (op) out.set(method, op);
      }
      return out;
    },
  };

  function prepare(operation: Operation): OperationContract {
    const id = operation.operationId ?? `${operation.method.toUpperCase()} ${operation.path}`;
    const convert = (pointer: string | undefined, value: unknown, direction: Direction) =>
      toJsonSchema(doc, pointer, value, direction, patterns);
    // Converted once here (patterns are found now, at load); compiled per options on demand.
    const params = operation.parameters.map((p) => ({
      param: p,
      schema: parameterSchema(
        convert(p.schemaPointer, p.schemaPointer ? undefined : (p.schema ?? {}), "request"),
        p.schemaPointer !== undefined && p.schemaPointer === p.pointer,
      ),
      raw: doc.resolve(p.pointer) as Record<string, unknown> | undefined,
    }));
    const bodies = operation.requestBody?.content.map((c) => ({
      mediaType: c.mediaType.split(";", 1)[0]?.trim().toLowerCase() ?? "",
      schema:
        c.schema === undefined && c.schemaPointer === undefined
          ? true
          : convert(c.schemaPointer, c.schemaPointer ? undefined : c.schema, "request"),
    }));
    const responses = new Map<string, Map<string, ResponseShape>>();
    for (const [status, response] of Object.entries(operation.responses)) {
      const shapes = new Map<string, ResponseShape>();
      for (const c of response.content) {
        if (c.schema === undefined && c.schemaPointer === undefined) continue;
        const schema = convert(c.schemaPointer, c.schemaPointer ? undefined : c.schema, "response");
        shapes.set(c.mediaType.split(";", 1)[0]?.trim().toLowerCase() ?? "", shapeFor(schema));
      }
      responses.set(status.toUpperCase(), shapes);
    }
    const pathNames = [...operation.path.matchAll(/\{([^}/]+)\}/g)].map((m) => m[1] as string);
    const cache = new Map<boolean, CompiledOperation>();
    return {
      id,
      operation,
      compile(options) {
        let compiled = cache.get(options.strip);
        if (compiled) return compiled;
        const location = (where: Parameter["in"], label: (name: string) => string) => {
          const list = params.filter((p) => p.param.in === where);
          const extraNames = where === "query" ? queryKeys : [];
          if (list.length === 0 && where !== "query") return undefined;
          const properties: Record<string, JsonSchema> = {};
          const patternProperties: Record<string, JsonSchema> = {};
          const required: string[] = [];
          for (const { param, schema, raw } of list) {
            const name = where === "header" ? param.name.toLowerCase() : param.name;
            // OpenAPI 3.1 4.8.12.1: these header parameters are ignored (other policies own them).
            if (where === "header" && ["accept", "content-type", "authorization"].includes(name))
              continue;
            // A parameter carried as content (JSON in a query value) or as a deep object
            // (`filter[a]=1`) is only checked for presence: the guard does not decode those.
            const opaque = raw?.content !== undefined || raw?.style === "deepObject";
            properties[name] = opaque ? true : schema;
            if (raw?.style === "deepObject")
              patternProperties[`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\[`] = true;
            if (param.required) required.push(name);
          }
          for (const name of extraNames) properties[name] ??= true;
          const schema: Record<string, unknown> = { type: "object", properties, required };
          if (Object.keys(patternProperties).length > 0)
            schema.patternProperties = patternProperties;
          // The positive model for the query: a name the operation does not declare is refused.
          // Headers and cookies carry the whole stack's traffic: only declared ones are checked.
          if (where === "query") schema.additionalProperties = false;
          return {
            validate: engines.params.compile(schema),
            names: Object.keys(properties),
            label,
          };
        };
        const bodyMap = bodies
          ? new Map(
              bodies.map(({ mediaType, schema }) => [
                mediaType,
                bodyCheck(
                  mediaType,
                  schema,
                  options.strip ? engines.strip : engines.body,
                  engines.params,
                ),
              ]),
            )
          : undefined;
        compiled = Object.freeze({
          id,
          path: location("path", (n) => `path parameter "${n}"`),
          pathNames,
          query: location("query", (n) => `query parameter "${n}"`),
          commaArrays: new Set(
            params
              .filter(({ param, raw }) => param.in === "query" && raw?.explode === false)
              .map(({ param }) => param.name),
          ),
          header: location("header", (n) => `header "${n}"`),
          cookie: location("cookie", (n) => `cookie "${n}"`),
          bodies: bodyMap,
          bodyRequired: operation.requestBody?.required === true,
          responses,
        });
        cache.set(options.strip, compiled);
        return compiled;
      },
    };
  }
}

/**
 * A Swagger 2.0 parameter is its own schema: its `name`, `in`, `required` (a boolean there) and
 * serialisation members are no schema keywords.
 */
function parameterSchema(schema: JsonSchema, swagger: boolean): JsonSchema {
  if (!swagger || typeof schema !== "object") return schema;
  const {
    name: _name,
    in: _in,
    required: _required,
    description: _description,
    collectionFormat: _collectionFormat,
    allowEmptyValue: _allowEmptyValue,
    ...rest
  } = schema;
  return rest;
}

function engine(extra: Record<string, unknown>): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: false,
    logger: false,
    // Formats and patterns run on client input: ajv-formats' "fast" regular expressions.
    validateFormats: true,
    unicodeRegExp: true,
    ...extra,
  });
  addFormats(ajv, { mode: "fast" });
  // The same judgement, counted only where the length cannot decide (lengths.ts).
  ajv.removeKeyword("maxLength").removeKeyword("minLength").addKeyword(LENGTH_KEYWORDS);
  ajv.addKeyword({
    keyword: READ_ONLY_KEYWORD,
    schemaType: "boolean",
    validate: () => false,
    errors: false,
  });
  // OpenAPI formats that are annotations (3.1 4.4): accepted as they come.
  for (const format of ["int32", "int64", "float", "double", "byte", "binary", "password"])
    ajv.addFormat(format, true);
  return ajv;
}

function bodyCheck(
  mediaType: string,
  schema: JsonSchema,
  json: Ajv2020,
  params: Ajv2020,
): BodyCheck {
  if (mediaType === "application/json" || mediaType.endsWith("+json"))
    return { kind: "json", validate: json.compile(schema as object), fields: undefined };
  if (mediaType === "application/x-www-form-urlencoded")
    return { kind: "form", validate: params.compile(schema as object), fields: undefined };
  if (mediaType === "multipart/form-data") {
    const s = typeof schema === "object" ? schema : {};
    const properties = (s.properties as Record<string, unknown> | undefined) ?? {};
    return {
      kind: "multipart",
      validate: undefined,
      fields: {
        declared: new Set(Object.keys(properties)),
        required: Array.isArray(s.required) ? (s.required as string[]) : [],
        closed: s.additionalProperties === false,
      },
    };
  }
  return { kind: "other", validate: undefined, fields: undefined };
}

function shapeFor(schema: JsonSchema): ResponseShape {
  const defs =
    typeof schema === "object" ? ((schema.$defs as Record<string, JsonSchema>) ?? {}) : {};
  const patterns = new Map<string, RegExp>();
  const collect = (s: unknown, seen: Set<unknown>): void => {
    if (typeof s !== "object" || s === null || seen.has(s)) return;
    seen.add(s);
    const pp = (s as { patternProperties?: Record<string, unknown> }).patternProperties;
    if (pp) for (const source of Object.keys(pp)) patterns.set(source, new RegExp(source, "u"));
    for (const v of Object.values(s)) collect(v, seen);
  };
  collect(schema, new Set());
  return { schema, projection: compileProjection(schema, defs, patterns) };
}

/** Names of API keys that the document's security schemes carry in the query. */
function apiKeysInQuery(doc: LoadedDocument): string[] {
  const schemes = (doc.resolve("/components/securitySchemes") ??
    doc.resolve("/securityDefinitions")) as
    | Record<string, { type?: unknown; in?: unknown; name?: unknown }>
    | undefined;
  if (typeof schemes !== "object" || schemes === null) return [];
  return Object.values(schemes).flatMap((s) =>
    s && s.type === "apiKey" && s.in === "query" && typeof s.name === "string" ? [s.name] : [],
  );
}

const SAFE_SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

/** A JSON pointer as shown: segments the client chose and that look odd are not echoed. */
function shown(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .split("/")
    .map((s) => (s === "" || SAFE_SEGMENT.test(s) ? s : "…"))
    .join("/");
}

const REASONS: Record<string, string> = {
  type: "type",
  required: "required",
  additionalProperties: "unknown-property",
  unevaluatedProperties: "unknown-property",
  [READ_ONLY_KEYWORD]: "read-only",
  format: "format",
  minLength: "length",
  maxLength: "length",
  minimum: "range",
  maximum: "range",
  exclusiveMinimum: "range",
  exclusiveMaximum: "range",
  multipleOf: "range",
  minItems: "size",
  maxItems: "size",
  uniqueItems: "size",
  minProperties: "size",
  maxProperties: "size",
  enum: "enum",
  const: "enum",
  pattern: "pattern",
};

/**
 * The first ajv error as a violation of a location. For a body `base` is `body` and the
 * pointer follows it; for parameters the first pointer segment is the parameter's name.
 *
 * @example
 * ```ts
 * violationOf(validate.errors![0], "body"); // { location: "body /role", reason: "read-only", ... }
 * ```
 */
export function violationOf(
  error: ErrorObject,
  base: "body" | ((name: string) => string),
): Violation {
  const reason = REASONS[error.keyword] ?? "schema";
  const params = error.params as Record<string, unknown>;
  let pointer = error.instancePath;
  if (error.keyword === "required") pointer += `/${String(params.missingProperty)}`;
  if (error.keyword === "additionalProperties") pointer += `/${String(params.additionalProperty)}`;
  let location: string;
  if (base === "body") location = pointer === "" ? "body" : `body ${shown(pointer)}`;
  else {
    const [, first = "", ...rest] = pointer.split("/");
    const name = SAFE_SEGMENT.test(first) ? first : "…";
    location = `${base(name)}${rest.length > 0 ? ` ${shown(`/${rest.join("/")}`)}` : ""}`;
  }
  const what =
    reason === "required"
      ? "is required"
      : reason === "unknown-property"
        ? "is not declared by the API description"
        : reason === "read-only"
          ? "is read-only: clients may not send it"
          : reason === "format"
            ? `must be a valid ${String(params.format)}`
            : reason === "enum"
              ? "must be one of the values the API description allows"
              : (error.message ?? "does not match the API description");
  return { location, reason, message: `${location} ${what}` };
}
