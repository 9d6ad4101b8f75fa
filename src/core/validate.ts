import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";
import { type Problem, RampartError } from "./errors.js";
import type { SourceDocument } from "./yaml.js";

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped once more.
const addFormats = (formatsPlugin as unknown as { default: (ajv: Ajv) => Ajv }).default;

/** Schema annotation: the message for a key that `additionalProperties: false` refuses. */
export const UNKNOWN_KEY_MESSAGE = "x-unknownKeyMessage";

/**
 * Schema annotation: what a `pattern` means, in words, so that a user reads "must be a HOST:PORT
 * address" rather than a regular expression.
 */
export const PATTERN_MESSAGE = "x-patternMessage";

/**
 * A compiled schema: validates documents, applies defaults, reports every problem at once and
 * returns a deeply frozen value. Compile once (at start, or when a route table is built).
 *
 * @example
 * ```ts
 * const validator = compileSchema(Type.Object({ port: Type.Integer() }, { additionalProperties: false }));
 * const config = validator.validate(parseYaml("port: 8080", "a.yaml")); // frozen { port: 8080 }
 * ```
 */
export interface SchemaValidator<S extends TSchema> {
  readonly schema: S;
  validate(document: SourceDocument): Readonly<Static<S>>;
}

export function compileSchema<S extends TSchema>(schema: S): SchemaValidator<S> {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: UNKNOWN_KEY_MESSAGE, schemaType: "string" });
  ajv.addKeyword({ keyword: PATTERN_MESSAGE, schemaType: "string" });
  // TypeBox marks schemas with symbol keys and `Kind`; ajv ignores symbols.
  const check: ValidateFunction = ajv.compile(schema);
  return {
    schema,
    validate(document) {
      // Defaults are written into the value, so validate a private copy, never the caller's.
      const value = structuredClone(document.value ?? {});
      if (!check(value)) {
        const problems = (check.errors ?? []).map((e) => toProblem(e, document));
        throw new RampartError("ERR_CONFIG_INVALID", problemCount(problems), {
          source: document.source,
          problems: dedupe(problems),
        });
      }
      return deepFreeze(value) as Readonly<Static<S>>;
    },
  };
}

/** Throws ERR_CONFIG_INVALID for problems found after schema validation (cross-field rules). */
export function rejectProblems(document: SourceDocument, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  throw new RampartError("ERR_CONFIG_INVALID", problemCount(problems), {
    source: document.source,
    problems: problems.map((p) => ({ ...p, ...document.position(p.path) })),
  });
}

function problemCount(problems: readonly Problem[]): string {
  return problems.length === 1 ? "1 problem" : `${problems.length} problems`;
}

function toProblem(error: ErrorObject, document: SourceDocument): Problem {
  let path = error.instancePath;
  let message: string;
  const got = describe(error.data);
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      path = `${path}/${escapePointer(key)}`;
      const custom = (error.parentSchema as Record<string, unknown> | undefined)?.[
        UNKNOWN_KEY_MESSAGE
      ];
      message = typeof custom === "string" ? custom.replace("{key}", key) : `unknown key "${key}"`;
      break;
    }
    case "required":
      message = `missing required key "${String(error.params.missingProperty)}"`;
      break;
    case "enum":
      message = `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(", ")} (got ${got})`;
      break;
    case "const":
      message = `must be ${JSON.stringify(error.params.allowedValue)} (got ${got})`;
      break;
    case "type":
      message = `must be ${article(String(error.params.type))} (got ${got})`;
      break;
    case "pattern": {
      const hint = (error.parentSchema as Record<string, unknown> | undefined)?.[PATTERN_MESSAGE];
      message =
        typeof hint === "string"
          ? `must be ${hint} (got ${got})`
          : `must match pattern "${String(error.params.pattern)}" (got ${got})`;
      break;
    }
    case "format":
      message = `must be a valid ${formatName(String(error.params.format))} (got ${got})`;
      break;
    default:
      message = `${error.message ?? "is invalid"} (got ${got})`;
  }
  const at =
    error.keyword === "additionalProperties" || error.keyword === "required" ? "key" : "value";
  return { path, message, ...document.position(path, at) };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: "a string",
    number: "a number",
    integer: "an integer",
    boolean: "true or false",
    object: "a mapping",
    array: "a list",
    null: "null",
  };
  return type
    .split(",")
    .map((t) => names[t] ?? t)
    .join(" or ");
}

function formatName(format: string): string {
  return format === "date" ? "date (YYYY-MM-DD)" : format;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Freezes a plain value and everything it contains. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * A string enum as a plain JSON Schema `enum`, so that a wrong value gets one clear message
 * ("must be one of a, b, c") rather than one per union member.
 *
 * @example
 * ```ts
 * const Status = StringEnum(["done", "not_done"] as const);
 * ```
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}
