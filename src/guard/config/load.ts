import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadConfig } from "../../config.js";
import { RampartError } from "../../core/errors.js";
import { compileSchema } from "../../core/validate.js";
import { DEFAULT_YAML_LIMITS, parseYaml, type SourceDocument } from "../../core/yaml.js";
import { loadOpenApiFile } from "../../openapi/load.js";
import { listOperations } from "../../openapi/operations.js";
import { ROUTE_POLICIES } from "../registry.js";
import { basePathOf, routesFromOperations } from "./openapi.js";
import { buildRouteTable, type GuardDocument, type RouteTable } from "./route-table.js";
import { type GuardConfig, GuardSchema, type RouteConfig } from "./schema.js";

/** What the command line may set over the file (flags win). */
export interface GuardFlags {
  readonly config?: string;
  readonly upstream?: string;
  readonly openapi?: string;
  readonly listen?: string;
  readonly admin?: string;
  /** `memory` or a redis:// URL (overrides `guard.store`). */
  readonly store?: string;
}

const guardValidator = compileSchema(GuardSchema);

/**
 * Loads the effective guard config (file, then flags over it, then routes derived from the
 * OpenAPI document for the paths the file does not declare) and builds its route table, whose
 * routes validate against that document (`policies.validation`). Every problem is reported at
 * once. Errors: ERR_CONFIG_READ, ERR_CONFIG_PARSE, ERR_CONFIG_INVALID,
 * ERR_OPENAPI_*.
 *
 * @example
 * ```ts
 * const table = await loadGuard({ upstream: "http://127.0.0.1:3000", openapi: "openapi.yaml" }, process.cwd());
 * ```
 */
export async function loadGuard(flags: GuardFlags, cwd: string): Promise<RouteTable> {
  let fileConfig: GuardConfig = {};
  let document: SourceDocument | undefined;
  let baseDir = cwd;
  let weakSecrets: ReadonlySet<string> = new Set();
  if (flags.config !== undefined) {
    const path = resolve(cwd, flags.config);
    document = parseYaml(readConfigText(path, flags.config), flags.config);
    const loaded = loadConfig(document);
    fileConfig = loaded.guard ?? {};
    // The secrets the team knows to be weak (vocabulary.jwtSecrets) are refused too.
    weakSecrets = new Set(loaded.vocabulary?.jwtSecrets ?? []);
    baseDir = dirname(path);
  }
  const merged: Record<string, unknown> = structuredClone(fileConfig) as Record<string, unknown>;
  if (flags.listen !== undefined) merged.listen = flags.listen;
  if (flags.admin !== undefined)
    merged.admin = { ...(merged.admin as object | undefined), listen: flags.admin };
  if (flags.store !== undefined) merged.store = flags.store;
  if (flags.upstream !== undefined) {
    merged.upstream = flags.upstream;
    const upstreams = merged.upstreams as Record<string, unknown> | undefined;
    if (upstreams) delete upstreams.default;
  }
  let openapi: GuardDocument | undefined;
  if (flags.openapi !== undefined) {
    const doc = await loadOpenApiFile(flags.openapi, { cwd });
    const declared = new Set((fileConfig.routes ?? []).map((r) => r.path));
    const operations = listOperations(doc);
    const basePath = basePathOf(doc.raw);
    openapi = { document: doc, operations, basePath };
    const derived = routesFromOperations(operations, basePath).filter((r) => !declared.has(r.path));
    merged.routes = [...((merged.routes as RouteConfig[] | undefined) ?? []), ...derived];
  }
  const flagsUsed = flags.listen ?? flags.admin ?? flags.upstream ?? flags.openapi ?? flags.store;
  // Flags and derived routes go through the same schema as the file.
  const config =
    flagsUsed === undefined
      ? fileConfig
      : guardValidator.validate({
          value: merged,
          source: flags.config ?? "<flags>",
          position: () => undefined,
        });
  return buildRouteTable(
    config,
    flagsUsed === undefined && document ? document : { source: flags.config ?? "<flags>" },
    baseDir,
    ROUTE_POLICIES,
    weakSecrets,
    openapi,
  );
}

function readConfigText(path: string, shown: string): string {
  try {
    if (statSync(path).size > DEFAULT_YAML_LIMITS.maxBytes)
      throw new RampartError(
        "ERR_CONFIG_READ",
        `larger than ${DEFAULT_YAML_LIMITS.maxBytes} bytes`,
        { source: shown },
      );
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof RampartError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot be read";
    throw new RampartError("ERR_CONFIG_READ", reason, { source: shown, cause: error });
  }
}
