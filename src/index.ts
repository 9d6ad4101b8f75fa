/**
 * Rampart's programmatic API. Explicit named exports only: what is not listed here is internal.
 *
 * @example
 * ```ts
 * import { loadCatalog, computeScore } from "rampart";
 * console.log(loadCatalog().item("JWT-02").title);
 * ```
 */

export { type AuditOptions, type AuditResult, auditDocument } from "./audit/engine.js";
export { AUDIT_RULES } from "./audit/registry.js";
export {
  type Capability,
  type Catalog,
  type CatalogItem,
  loadCatalog,
  type Section,
} from "./catalog/catalog.js";
export {
  buildChecklist,
  type ChecklistEntry,
  type ChecklistReport,
  type CoverageState,
} from "./catalog/checklist.js";
export {
  type Covering,
  computeCoverage,
  type ItemCoverage,
  type Registries,
} from "./catalog/coverage.js";
export {
  CHECKLIST_IDS,
  type ChecklistId,
  EXTRA_IDS,
  type ExtraId,
  ITEM_IDS,
  type ItemId,
  isItemId,
} from "./catalog/ids.js";
export {
  CONFIG_SECTIONS,
  ConfigSchema,
  loadConfig,
  loadConfigFile,
  type RampartConfig,
} from "./config.js";
export {
  type BaseConfig,
  CONFIG_DEFAULTS,
  type ConfigLoader,
  configLoader,
  configSchema,
} from "./core/config.js";
export {
  ERROR_CODES,
  type ErrorCode,
  formatError,
  type Problem,
  RampartError,
} from "./core/errors.js";
export type {
  Evidence,
  Finding,
  ItemResult,
  Location,
  References,
  Verdict,
} from "./core/finding.js";
export { VERDICTS } from "./core/finding.js";
export { maskSecret, redact, redactHeaders, redactUrl } from "./core/redact.js";
export {
  buildReport,
  type CheckRun,
  type ItemOutcome,
  type Report,
  summariseItems,
} from "./core/report.js";
export { computeScore, type Grade, gradeFor, type Score, SEVERITY_PENALTY } from "./core/score.js";
export {
  atLeast,
  type Confidence,
  SEVERITIES,
  type Severity,
  worstSeverity,
} from "./core/severity.js";
export { parseYaml, type SourceDocument } from "./core/yaml.js";
export { loadGuard } from "./guard/config/load.js";
export { buildRouteTable, type RouteTable } from "./guard/config/route-table.js";
export { GUARD_DEFAULTS, type GuardConfig } from "./guard/config/schema.js";
export { GUARD_POLICIES } from "./guard/registry.js";
export { type Guard, type GuardOptions, startGuard } from "./guard/server.js";
export { loadOpenApiFile, loadOpenApiText } from "./openapi/load.js";
export { listOperations } from "./openapi/operations.js";
export type { LoadedDocument, Operation } from "./openapi/types.js";
export {
  formatChecklistJson,
  formatChecklistMarkdown,
  formatChecklistText,
} from "./report/checklist.js";
export {
  type FormatOptions,
  formatReport,
  REPORT_FORMATS,
  type ReportFormat,
} from "./report/index.js";
export { runScan, type ScanDependencies } from "./scan/engine.js";
export { SCAN_CHECKS } from "./scan/registry.js";
