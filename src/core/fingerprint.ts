import { createHash } from "node:crypto";

/** What a finding's stable identity is made of. */
export interface FingerprintParts {
  /** The check (scan) or rule (audit) that reported it. */
  readonly checkId: string;
  readonly items: readonly string[];
  /**
   * Where, as it stays from run to run: a scan's operation (`GET /api/orders/{id}`, the documented
   * template, never a concrete id or a probe's random path); an audit's `file#/json/pointer`.
   */
  readonly where: string;
  /**
   * What tells findings of one check at one place apart (a header name, a TLS version), without
   * what changes between runs (see {@link stableText}).
   */
  readonly subject?: string;
}

/**
 * The stable identity of a finding: the same check, item, operation and subject give the same
 * value in every run, whatever ids the server made or random paths the probes used. Baselines
 * match findings by it and SARIF writes it as the partial fingerprint code scanning tracks.
 *
 * @example
 * ```ts
 * findingFingerprint({ checkId: "out-07-status-codes", items: ["OUT-07"], where: "GET /{probe}", subject: "errors-as-200" });
 * // "3f1c..." (32 hex digits)
 * ```
 */
export function findingFingerprint(parts: FingerprintParts): string {
  const text = [
    parts.checkId,
    [...parts.items].sort().join(","),
    parts.where,
    parts.subject ?? "",
  ].join("\u0000");
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * A text with what changes between runs generalised: the scan's random probe names, UUIDs, long
 * hex strings and numbers standing as a path segment.
 *
 * @example
 * ```ts
 * stableText("GET /rampart-07b467e5ea30/orders/1018"); // "GET /{probe}/orders/{id}"
 * ```
 */
export function stableText(text: string): string {
  return text
    .replace(/rampart-[0-9a-f]{6,}/gi, "{probe}")
    .replace(UUID, "{id}")
    .replace(/(?<=\/)(?:\d+|[0-9a-f]{16,})(?=[/?#\s:]|$)/gi, "{id}");
}
