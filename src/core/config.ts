import { readFileSync, statSync } from "node:fs";
import { type Static, type TObject, type TOptional, type TSchema, Type } from "@sinclair/typebox";
import { ITEM_IDS } from "../catalog/ids.js";
import { closest } from "./closest.js";
import { type Problem, RampartError } from "./errors.js";
import { IgnoreSchema } from "./ignore.js";
import {
  compileSchema,
  rejectProblems,
  type SchemaValidator,
  StringEnum,
  UNKNOWN_KEY_MESSAGE,
} from "./validate.js";
import { DEFAULT_YAML_LIMITS, parseYaml, type SourceDocument } from "./yaml.js";

/**
 * Defaults of `rampart.yaml`, all in one place. Each is the secure or the conservative choice.
 */
export const CONFIG_DEFAULTS = Object.freeze({
  checklist: Object.freeze({
    /** An attestation reviewed longer ago than this is reported as stale: half a year. */
    staleAfterDays: 180,
  }),
});

export const ATTESTATION_STATUSES = ["done", "not_done", "not_applicable"] as const;
export type AttestationStatus = (typeof ATTESTATION_STATUSES)[number];

const Attestation = Type.Object(
  {
    status: StringEnum(ATTESTATION_STATUSES),
    evidence: Type.Optional(Type.String({ minLength: 1 })),
    owner: Type.Optional(Type.String({ minLength: 1 })),
    reviewed: Type.Optional(Type.String({ format: "date" })),
  },
  { additionalProperties: false },
);

const Attest = Type.Partial(
  Type.Object(
    Object.fromEntries(ITEM_IDS.map((id) => [id, Attestation])) as Record<
      (typeof ITEM_IDS)[number],
      typeof Attestation
    >,
  ),
  { additionalProperties: false, [UNKNOWN_KEY_MESSAGE]: 'unknown checklist item id "{key}"' },
);

/**
 * The parts of `rampart.yaml` this layer owns: the version, the checklist's attestations and the
 * accepted findings. The commands' own sections (scan, guard, vocabulary) are registered above
 * this layer (src/config.ts), so that src/core depends on nothing above it.
 */
const BASE_PROPERTIES = {
  version: Type.Optional(Type.Literal(1)),
  checklist: Type.Object(
    {
      staleAfterDays: Type.Integer({
        minimum: 1,
        maximum: 3650,
        default: CONFIG_DEFAULTS.checklist.staleAfterDays,
      }),
    },
    { additionalProperties: false, default: {} },
  ),
  attest: Type.Optional(Attest),
  /** Accepted findings of scan and audit, each with a reason (src/core/ignore.ts). */
  ignore: IgnoreSchema,
};

/** The schema of `rampart.yaml` without any command's section. */
export const BaseConfigSchema = Type.Object(BASE_PROPERTIES, { additionalProperties: false });
/** What every config has, whichever sections were registered. */
export type BaseConfig = Static<typeof BaseConfigSchema>;
export type Attestation = Static<typeof Attestation>;

/** The sections commands register, by their key in `rampart.yaml`. */
export type ConfigSections = Readonly<Record<string, TSchema>>;

/** The schema of a config with the given sections, each optional. */
export type ConfigSchemaOf<S extends ConfigSections> = TObject<
  typeof BASE_PROPERTIES & { [K in keyof S]: TOptional<S[K]> }
>;

/**
 * The schema of `rampart.yaml`: the base parts plus the sections the commands register, each
 * optional; any other top-level key is refused.
 *
 * @example
 * ```ts
 * const schema = configSchema({ scan: ScanConfigSchema, guard: GuardSchema });
 * ```
 */
export function configSchema<S extends ConfigSections>(sections: S): ConfigSchemaOf<S> {
  for (const key of Object.keys(sections)) {
    if (key in BASE_PROPERTIES) throw new TypeError(`config section "${key}" is the core's own`);
  }
  const optional = Object.fromEntries(
    Object.entries(sections).map(([key, schema]) => [key, Type.Optional(schema)]),
  ) as { [K in keyof S]: TOptional<S[K]> };
  return Type.Object({ ...BASE_PROPERTIES, ...optional }, { additionalProperties: false });
}

/** What a command knows beyond the schema, to check the config against. */
export interface ConfigCheckOptions {
  /**
   * Every check and audit rule id: an `ignore:` entry naming another is refused (a typo would
   * otherwise suppress nothing, silently).
   */
  readonly checkIds?: readonly string[];
}

/** Loads and validates configs against one schema; see {@link configLoader}. */
export interface ConfigLoader<T extends BaseConfig> {
  /**
   * Validates a parsed config document: the schema first, then rules across fields; every
   * problem is reported at once with its path and position; the result is frozen.
   */
  load(document: SourceDocument, today?: Date, options?: ConfigCheckOptions): Readonly<T>;
  /** Reads, parses and validates a config file. Errors: ERR_CONFIG_READ, ERR_CONFIG_PARSE, ERR_CONFIG_INVALID. */
  loadFile(path: string, today?: Date, options?: ConfigCheckOptions): Readonly<T>;
}

/**
 * A loader for configs of the given schema (built with {@link configSchema}). The schema is
 * compiled on first use: that costs a few hundred milliseconds, which only commands given a
 * config pay.
 *
 * @example
 * ```ts
 * const { load } = configLoader(configSchema({}));
 * load(parseYaml("attest:\n  CI-02: { status: done }\n", "rampart.yaml"));
 * ```
 */
export function configLoader<S extends TSchema>(schema: S): ConfigLoader<Static<S> & BaseConfig> {
  type T = Static<S> & BaseConfig;
  let compiled: SchemaValidator<S> | undefined;
  const load = (
    document: SourceDocument,
    today: Date = new Date(),
    options: ConfigCheckOptions = {},
  ): Readonly<T> => {
    compiled ??= compileSchema(schema);
    const config = compiled.validate(document) as Readonly<T>;
    rejectProblems(document, crossFieldProblems(config, today, options));
    return config;
  };
  const loadFile = (
    path: string,
    today: Date = new Date(),
    options: ConfigCheckOptions = {},
  ): Readonly<T> => load(parseYaml(readConfigText(path), path), today, options);
  return { load, loadFile };
}

function crossFieldProblems(
  config: Readonly<BaseConfig>,
  today: Date,
  options: ConfigCheckOptions,
): Problem[] {
  const problems: Problem[] = [];
  if (options.checkIds !== undefined) {
    const known = new Set(options.checkIds);
    for (const [index, entry] of config.ignore.entries()) {
      if (known.has(entry.check)) continue;
      const near = closest(entry.check, known);
      problems.push({
        path: `/ignore/${index}/check`,
        message: `unknown check or rule "${entry.check}"${near ? ` (the closest known id is "${near}")` : ""}`,
      });
    }
  }
  for (const [id, attestation] of Object.entries(config.attest ?? {})) {
    if (attestation?.reviewed && Date.parse(attestation.reviewed) > today.getTime()) {
      problems.push({
        path: `/attest/${id}/reviewed`,
        message: `review date ${attestation.reviewed} is in the future`,
      });
    }
  }
  return problems;
}

function readConfigText(path: string): string {
  try {
    if (statSync(path).size > DEFAULT_YAML_LIMITS.maxBytes) {
      throw new RampartError(
        "ERR_CONFIG_READ",
        `larger than ${DEFAULT_YAML_LIMITS.maxBytes} bytes`,
        {
          source: path,
        },
      );
    }
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof RampartError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot be read";
    throw new RampartError("ERR_CONFIG_READ", reason, { source: path, cause: error });
  }
}
