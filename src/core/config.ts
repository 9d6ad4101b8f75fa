import { readFileSync, statSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { ITEM_IDS } from "../catalog/ids.js";
import { GuardSchema } from "../guard/config/schema.js";
import { ScanConfigSchema } from "../scan/config.js";
import { VocabularySchema } from "../vocabulary/schema.js";
import { closest } from "./closest.js";
import { type Problem, RampartError } from "./errors.js";
import { IgnoreSchema } from "./ignore.js";
import { compileSchema, rejectProblems, StringEnum, UNKNOWN_KEY_MESSAGE } from "./validate.js";
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

/** The schema of `rampart.yaml`. Later sections (scan, guard, ignore) join it here. */
export const ConfigSchema = Type.Object(
  {
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
    /** `rampart guard`: listeners, upstreams, routes and policy options (src/guard/config). */
    guard: Type.Optional(GuardSchema),
    /** `rampart scan`: the login recipe (src/scan/config.ts). */
    scan: Type.Optional(ScanConfigSchema),
    /** Words added to the heuristics' lists, for scan, audit and guard (src/vocabulary). */
    vocabulary: Type.Optional(VocabularySchema),
  },
  { additionalProperties: false },
);

export type RampartConfig = Static<typeof ConfigSchema>;
export type Attestation = Static<typeof Attestation>;

// Compiling the schema costs a few hundred milliseconds: only commands given a config pay it.
const validator = lazy(() => compileSchema(ConfigSchema));

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/** What a command knows beyond the schema, to check the config against. */
export interface ConfigCheckOptions {
  /**
   * Every check and audit rule id: an `ignore:` entry naming another is refused (a typo would
   * otherwise suppress nothing, silently).
   */
  readonly checkIds?: readonly string[];
}

/**
 * Validates a parsed config document: the schema first, then rules across fields; every
 * problem is reported at once with its path and position; the result is frozen.
 *
 * @example
 * ```ts
 * const config = loadConfig(parseYaml("attest:\n  CI-02: { status: done }\n", "rampart.yaml"));
 * ```
 */
export function loadConfig(
  document: SourceDocument,
  today: Date = new Date(),
  options: ConfigCheckOptions = {},
): Readonly<RampartConfig> {
  const config = validator().validate(document);
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
  rejectProblems(document, problems);
  return config;
}

/** Reads, parses and validates a config file. Errors: ERR_CONFIG_READ, ERR_CONFIG_PARSE, ERR_CONFIG_INVALID. */
export function loadConfigFile(
  path: string,
  today: Date = new Date(),
  options: ConfigCheckOptions = {},
): Readonly<RampartConfig> {
  let text: string;
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
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof RampartError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot be read";
    throw new RampartError("ERR_CONFIG_READ", reason, { source: path, cause: error });
  }
  return loadConfig(parseYaml(text, path), today, options);
}
