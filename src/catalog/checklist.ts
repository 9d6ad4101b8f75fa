import type { Attestation, AttestationStatus, BaseConfig } from "../core/config.js";
import type { Capability, Catalog, CatalogItem } from "./catalog.js";
import type { ItemCoverage } from "./coverage.js";
import type { ItemId } from "./ids.js";

/**
 * - `covered`: every capability the item targets has registered code;
 * - `partial`: some have;
 * - `not_covered`: the item targets scan, audit or guard but nothing covers it yet;
 * - `manual`: the item is manual only.
 */
export type CoverageState = "covered" | "partial" | "not_covered" | "manual";

export interface AttestationView {
  readonly status: AttestationStatus;
  readonly evidence?: string;
  readonly owner?: string;
  readonly reviewed?: string;
  /** True when the review is older than `checklist.staleAfterDays`. */
  readonly stale: boolean;
}

export interface ChecklistEntry {
  readonly id: ItemId;
  readonly section: string;
  readonly title: string;
  readonly summary: string;
  readonly capabilities: readonly Capability[];
  readonly manual: boolean;
  readonly coverage: ItemCoverage;
  /** Capabilities the item targets that no registered code provides yet. */
  readonly gaps: readonly Capability[];
  readonly state: CoverageState;
  /** Only for manual items (and items attested anyway); `null` when not attested. */
  readonly attestation?: AttestationView | null;
  readonly references: CatalogItem["references"];
}

export interface ChecklistWarning {
  readonly id: ItemId;
  readonly message: string;
}

export interface ChecklistSummary {
  readonly items: number;
  readonly checklistItems: number;
  readonly extraItems: number;
  readonly covered: number;
  readonly partial: number;
  readonly notCovered: number;
  readonly manual: number;
  readonly attested: number;
  readonly stale: number;
}

/** The versioned document behind every `rampart checklist` format. */
export interface ChecklistReport {
  readonly tool: "rampart";
  readonly schemaVersion: 1;
  readonly kind: "checklist";
  readonly sections: Catalog["sections"];
  readonly items: readonly ChecklistEntry[];
  readonly warnings: readonly ChecklistWarning[];
  readonly summary: ChecklistSummary;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Joins the catalog, the computed coverage and the config's attestations into one report.
 *
 * @example
 * ```ts
 * const report = buildChecklist(catalog, coverage, config, new Date());
 * report.summary.notCovered; // items that target scan/audit/guard with nothing registered
 * ```
 */
export function buildChecklist(
  catalog: Catalog,
  coverage: ReadonlyMap<ItemId, ItemCoverage>,
  config: Readonly<BaseConfig> | undefined,
  today: Date,
): ChecklistReport {
  const warnings: ChecklistWarning[] = [];
  const staleAfterDays = config?.checklist.staleAfterDays ?? 180;
  const items = catalog.items.map((item): ChecklistEntry => {
    const cover = coverage.get(item.id) ?? { scan: [], audit: [], guard: [] };
    const gaps = item.capabilities.filter((c) => cover[c].length === 0);
    const state: CoverageState =
      item.capabilities.length === 0
        ? "manual"
        : gaps.length === 0
          ? "covered"
          : gaps.length < item.capabilities.length
            ? "partial"
            : "not_covered";
    const attested = config?.attest?.[item.id];
    const entry: ChecklistEntry = {
      id: item.id,
      section: item.section,
      title: item.title,
      summary: item.summary,
      capabilities: item.capabilities,
      manual: item.manual,
      coverage: cover,
      gaps,
      state,
      references: item.references,
    };
    if (!item.manual && !attested) return entry;
    const view = attested ? viewAttestation(attested, today, staleAfterDays) : null;
    if (view?.stale) {
      warnings.push({
        id: item.id,
        message: `attestation reviewed ${view.reviewed}, more than ${staleAfterDays} days ago: review it again`,
      });
    } else if (view && view.status !== "not_done" && view.reviewed === undefined) {
      warnings.push({ id: item.id, message: "attestation has no review date" });
    }
    return { ...entry, attestation: view };
  });
  const manualItems = items.filter((i) => i.manual);
  return {
    tool: "rampart",
    schemaVersion: 1,
    kind: "checklist",
    sections: catalog.sections,
    items,
    warnings,
    summary: {
      items: items.length,
      checklistItems: items.filter((i) => !i.id.startsWith("EXT-")).length,
      extraItems: items.filter((i) => i.id.startsWith("EXT-")).length,
      covered: items.filter((i) => i.state === "covered").length,
      partial: items.filter((i) => i.state === "partial").length,
      notCovered: items.filter((i) => i.state === "not_covered").length,
      manual: manualItems.length,
      attested: manualItems.filter((i) => i.attestation && i.attestation.status !== "not_done")
        .length,
      stale: items.filter((i) => i.attestation?.stale).length,
    },
  };
}

function viewAttestation(a: Attestation, today: Date, staleAfterDays: number): AttestationView {
  const stale =
    a.reviewed !== undefined && today.getTime() - Date.parse(a.reviewed) > staleAfterDays * DAY_MS;
  return {
    status: a.status,
    ...(a.evidence === undefined ? {} : { evidence: a.evidence }),
    ...(a.owner === undefined ? {} : { owner: a.owner }),
    ...(a.reviewed === undefined ? {} : { reviewed: a.reviewed }),
    stale,
  };
}
