import type { Finding } from "../../core/finding.js";
import type { CheckResult, Surface } from "../types.js";

/**
 * The check ran over `surface`, with its findings (possibly none). Whether its items pass
 * depends on the surface being whole: see {@link covered}.
 *
 * @example
 * ```ts
 * return ran(findings, covered(probed.length, operations.length, "operations"));
 * ```
 */
export function ran(findings: readonly Finding[], surface: Surface): CheckResult {
  return { findings, outcome: { status: "ran", surface } };
}

/**
 * `probed` of `of` units were covered; `gaps` says what was left out. Whole when probed >= of
 * and there is no gap.
 *
 * @example
 * ```ts
 * covered(12, 40, "parameters", ["28 parameters beyond the per-check cap"]);
 * ```
 */
export function covered(
  probed: number,
  of: number,
  unit: string,
  gaps: readonly string[] = [],
  identities?: number,
): Surface {
  return {
    probed,
    of,
    unit,
    ...(gaps.length > 0 ? { gaps } : {}),
    ...(identities !== undefined ? { identities } : {}),
  };
}

/** A surface of one thing, wholly covered (the host's TLS, one well-known path). */
export function whole(unit: string): Surface {
  return { probed: 1, of: 1, unit };
}

/**
 * The gap of a check whose surface is "the endpoints the scan knows" when no API description
 * was found: it knows only what it met, so it cannot claim the whole API.
 *
 * @example
 * ```ts
 * covered(urls.length, urls.length, "endpoints", undescribed(context));
 * ```
 */
export function undescribed(context: {
  readonly target: { readonly document?: unknown };
}): string[] {
  return context.target.document === undefined
    ? ["no API description: only the endpoints met during the scan were probed"]
    : [];
}

/** True when the surface was covered entirely. */
export function isWhole(surface: Surface): boolean {
  return surface.of > 0 && surface.probed >= surface.of && (surface.gaps?.length ?? 0) === 0;
}

/** The check could not run, with the reason. */
export function notTested(reason: string, findings: readonly Finding[] = []): CheckResult {
  return { findings, outcome: { status: "not_tested", reason } };
}

/**
 * Nothing of the kind the check needs among the operations: not applicable when they come from
 * an API description (they are all there is), not tested otherwise (only what was met is known).
 *
 * @example
 * ```ts
 * if (xml.length === 0) return nothingOfTheKind(context, "no operation accepts XML");
 * ```
 */
export function nothingOfTheKind(
  context: { readonly target: { readonly document?: unknown } },
  reason: string,
): CheckResult {
  return context.target.document === undefined
    ? notTested(`${reason} among the operations met (no API description)`)
    : notApplicable(reason);
}

/** The check does not apply to this target, with the reason. */
export function notApplicable(reason: string): CheckResult {
  return { findings: [], outcome: { status: "not_applicable", reason } };
}
