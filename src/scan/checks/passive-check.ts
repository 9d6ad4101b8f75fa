import type { ItemId } from "../../catalog/ids.js";
import type { Finding } from "../../core/finding.js";
import type { Severity } from "../../core/severity.js";
import { isDocumented, operationKey } from "../passive.js";
import type {
  CheckContext,
  CheckResult,
  Exchange,
  ExchangeMeta,
  PassiveHit,
  PassiveProblem,
  ScanCheck,
  ScanOperation,
} from "../types.js";
import { covered, notApplicable, notTested, ran } from "./outcome.js";

/** A passive check as data: what it judges and what it looks for in one exchange. */
export interface PassiveSpec {
  readonly id: string;
  readonly items: readonly ItemId[];
  readonly proves: readonly ItemId[];
  readonly severity: Severity;
  readonly maxSeverity?: Severity;
  readonly title: string;
  /** The exchanges it judges (its surface); default: all. */
  readonly examines?: (exchange: Exchange, meta: ExchangeMeta) => boolean;
  /** The documented operations it must have seen for its surface to be whole (default: all). */
  readonly surface?: (op: ScanOperation) => boolean;
  /**
   * What "seen" means for an operation: an exchange this check examined (default), or any
   * answer at all (`answered`: a Set-Cookie can come from any operation, and an operation that
   * set none was still judged).
   */
  readonly seenWhen?: "examined" | "answered";
  readonly inspect: (exchange: Exchange, meta: ExchangeMeta) => readonly PassiveProblem[];
  /**
   * One finding per problem subject across the API (headers that are missing everywhere),
   * naming how many operations showed it, instead of one per operation (stack traces, secrets).
   */
  readonly summarise?: boolean;
  /**
   * The subjects summarised across the API when the rest are per operation: one policy that
   * shows on every protected operation (403 for a missing token) is one finding, not twenty.
   */
  readonly summariseSubjects?: readonly string[];
  /** What the check needs before it can run (as for active checks). */
  readonly needs?: ScanCheck["needs"];
  /** Why the check cannot judge this target at all (a catch-all), or undefined. */
  readonly guard?: (context: CheckContext) => string | undefined;
  /**
   * When nothing was examined: `not_applicable` with the reason this returns (e.g. "logged in,
   * and no response set a cookie"), or `not_tested` when it returns undefined.
   */
  readonly absentMeans?: (context: CheckContext) => string | undefined;
}

/**
 * Builds a passive check: every exchange of the scan goes through `inspect`; after the active
 * checks, problems become findings (one per operation and subject, or one per subject with
 * `summarise`), and the surface is the documented operations it saw out of those it should
 * have. Without an API description it can only say what it saw: the surface has a gap.
 *
 * @example
 * ```ts
 * export const nosniffCheck = passiveCheck({ id: "out-01-nosniff", items: ["OUT-01"], ... });
 * ```
 */
export function passiveCheck(spec: PassiveSpec): ScanCheck {
  return {
    id: spec.id,
    items: spec.items,
    proves: spec.proves,
    severity: spec.severity,
    ...(spec.maxSeverity ? { maxSeverity: spec.maxSeverity } : {}),
    intrusive: false,
    needs: spec.needs ?? [],
    title: spec.title,
    inspect: spec.inspect,
    ...(spec.examines ? { examines: spec.examines } : {}),
    run: async (context) => passiveResult(context, spec),
  };
}

function passiveResult(context: CheckContext, spec: PassiveSpec): CheckResult {
  const record = context.passive;
  if (!record) return notTested("the passive record is missing (not run by the scan engine)");
  const unfit = spec.guard?.(context);
  if (unfit !== undefined) return notTested(unfit);
  if (record.responses === 0) {
    const reason = spec.absentMeans?.(context);
    return reason !== undefined
      ? notApplicable(reason)
      : notTested("no response of the kind this check judges was received");
  }
  // One finding per documented operation and subject; paths outside the description (made-up
  // paths, probes of common locations) are many and unstable, so they share one per subject.
  const findings: Finding[] = [];
  const groups = new Map<string, PassiveHit[]>();
  const acrossApi = (hit: PassiveHit) =>
    spec.summarise === true ||
    !hit.documented ||
    (spec.summariseSubjects?.includes(hit.problem.subject) ?? false);
  for (const hit of record.hits) {
    const key = acrossApi(hit)
      ? `${hit.documented ? "api" : "other"} ${hit.problem.subject}`
      : `${hit.operation} ${hit.problem.subject}`;
    groups.set(key, [...(groups.get(key) ?? []), hit]);
  }
  for (const [key, hits] of groups) {
    const first = hits[0] as PassiveHit;
    const operations = hits.map((h) => h.operation);
    const spread =
      operations.length > 1
        ? ` Seen on ${operations.length} operations: ${listed(operations)}.`
        : "";
    const grouped = acrossApi(first);
    findings.push(
      context.finding({
        ...first.problem.finding,
        detail: `${first.problem.finding.detail}${spread}`,
        exchange: first.exchange,
        ...(grouped
          ? { url: context.target.base.href, method: first.exchange.method, subject: key }
          : { subject: key }),
      }),
    );
  }
  const wanted = spec.surface ?? (() => true);
  const expected = context.target.operations.filter((op) => isDocumented(op) && wanted(op));
  if (expected.length === 0) {
    const n = record.examined.size;
    return ran(
      findings,
      covered(n, n, "operations", [
        `no API description: judged on the ${n} operation(s) seen, not on a known surface`,
      ]),
    );
  }
  const keys = new Set(expected.map(operationKey));
  const judged =
    spec.seenWhen === "answered" ? record.answeredDocumented : record.examinedDocumented;
  const seen = [...judged].filter((k) => keys.has(k)).length;
  const missing = [...keys].filter((k) => !judged.has(k));
  const gaps = missing.length > 0 ? [`no response judged for ${listed(missing)}`] : [];
  return ran(findings, covered(seen, keys.size, "operations", gaps));
}

function listed(operations: readonly string[]): string {
  const shown = operations.slice(0, 5).join(", ");
  return operations.length > 5 ? `${shown} and ${operations.length - 5} more` : shown;
}
