import type { Static } from "@sinclair/typebox";
import { configLoader, configSchema } from "./core/config.js";
import { GuardSchema } from "./guard/config/schema.js";
import { ScanConfigSchema } from "./scan/config.js";
import { VocabularySchema } from "./vocabulary/schema.js";

/**
 * The sections of `rampart.yaml` the commands register, each with its own schema: one file may
 * configure every command, so each reads the whole file and the schema knows every section. The
 * base parts (version, checklist, attest, ignore) are src/core's; this module sits above it.
 *
 * @example
 * ```ts
 * const config = loadConfigFile("rampart.yaml");
 * config.scan?.login?.path; // "/auth/login"
 * ```
 */
export const CONFIG_SECTIONS = Object.freeze({
  /** `rampart guard`: listeners, upstreams, routes and policy options (src/guard/config). */
  guard: GuardSchema,
  /** `rampart scan`: the login recipe, identities, OAuth and JWT settings (src/scan/config.ts). */
  scan: ScanConfigSchema,
  /** Words added to the heuristics' lists, for scan, audit and guard (src/vocabulary). */
  vocabulary: VocabularySchema,
});

/** The schema of `rampart.yaml`, published as schema/rampart.schema.json. */
export const ConfigSchema = configSchema(CONFIG_SECTIONS);

export type RampartConfig = Static<typeof ConfigSchema>;

const loader = configLoader(ConfigSchema);

/**
 * Validates a parsed `rampart.yaml`: every problem at once with its path and position; the
 * result is frozen. Errors: ERR_CONFIG_INVALID.
 *
 * @example
 * ```ts
 * const config = loadConfig(parseYaml("attest:\n  CI-02: { status: done }\n", "rampart.yaml"));
 * ```
 */
export const loadConfig = loader.load;

/**
 * Reads, parses and validates `rampart.yaml`. Errors: ERR_CONFIG_READ, ERR_CONFIG_PARSE,
 * ERR_CONFIG_INVALID.
 *
 * @example
 * ```ts
 * const config = loadConfigFile("rampart.yaml", new Date(), { checkIds: checkIds() });
 * ```
 */
export const loadConfigFile = loader.loadFile;
