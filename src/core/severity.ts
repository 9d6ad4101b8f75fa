/** Finding severities, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Confidence that a finding is real, most confident first. */
export const CONFIDENCES = ["high", "medium", "low"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Rank of a severity: 4 for critical down to 0 for info. */
export function severityRank(severity: Severity): number {
  const index = SEVERITIES.indexOf(severity);
  if (index < 0) throw new TypeError(`unknown severity ${String(severity)}`);
  return SEVERITIES.length - 1 - index;
}

/**
 * True when `severity` is at or above `threshold`.
 *
 * @example
 * ```ts
 * atLeast("critical", "high"); // true
 * atLeast("low", "high");      // false
 * ```
 */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** The most severe of a list, or undefined for an empty list. */
export function worstSeverity(severities: Iterable<Severity>): Severity | undefined {
  let worst: Severity | undefined;
  for (const s of severities)
    if (worst === undefined || severityRank(s) > severityRank(worst)) worst = s;
  return worst;
}
