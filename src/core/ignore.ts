import { type Static, Type } from "@sinclair/typebox";
import type { Finding } from "./finding.js";
import type { SuppressedFinding } from "./report.js";

/**
 * One entry of the config file's `ignore:` list, shared by `rampart scan` and `rampart audit`.
 * A reason is required: a suppression nobody can explain is a finding hidden, not accepted.
 *
 * ```yaml
 * ignore:
 *   - check: operation-without-security
 *     location: /health                              # a path template
 *     reason: liveness probe, returns no data
 *   - check: secret-in-response
 *     location: openapi.yaml#/components/schemas/Token   # file#/json/pointer prefix
 *     reason: the token endpoint's response
 *     expires: 2026-12-31
 *   - check: acc-03-hsts
 *     location: https://staging.example.com/         # a URL prefix
 *     reason: staging only, behind the VPN
 * ```
 */
export const IgnoreEntrySchema = Type.Object(
  {
    /** The check (scan) or rule (audit) id. */
    check: Type.String({ minLength: 1, pattern: "^[a-z0-9][a-z0-9-]*$" }),
    /**
     * Where: a URL prefix (`https://...`), a path template (`/users/{id}`), or a
     * `file#/json/pointer` prefix (`#/pointer` for any file). Absent: everywhere.
     */
    location: Type.Optional(Type.String({ minLength: 1 })),
    reason: Type.String({ minLength: 3 }),
    /** Last day (UTC) the entry applies; afterwards it stops suppressing and warns. */
    expires: Type.Optional(Type.String({ format: "date" })),
  },
  { additionalProperties: false },
);

/** The `ignore:` section of `rampart.yaml`. */
export const IgnoreSchema = Type.Array(IgnoreEntrySchema, { default: [] });

export type IgnoreEntry = Static<typeof IgnoreEntrySchema>;

/** The outcome of {@link applySuppressions}. */
export interface SuppressionResult {
  readonly kept: Finding[];
  readonly suppressed: SuppressedFinding[];
  /** Expired entries, one line each. */
  readonly warnings: string[];
}

/**
 * Applies the `ignore:` entries to findings. An entry matches a finding of its check at its
 * location (or anywhere without one); expired entries suppress nothing and produce a warning.
 *
 * @example
 * ```ts
 * const { kept, suppressed, warnings } = applySuppressions(findings, config.ignore, new Date());
 * ```
 */
export function applySuppressions(
  findings: readonly Finding[],
  entries: readonly IgnoreEntry[],
  today: Date,
): SuppressionResult {
  const day = today.toISOString().slice(0, 10);
  const warnings: string[] = [];
  const active = entries.filter((entry) => {
    if (entry.expires !== undefined && entry.expires < day) {
      warnings.push(
        `ignore entry for "${entry.check}"${entry.location ? ` at ${entry.location}` : ""} expired on ${entry.expires}: it no longer suppresses anything`,
      );
      return false;
    }
    return true;
  });
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    const entry = active.find(
      (e) =>
        e.check === finding.checkId && (e.location === undefined || matches(e.location, finding)),
    );
    if (entry) suppressed.push({ finding, reason: entry.reason, source: "config" });
    else kept.push(finding);
  }
  return { kept, suppressed, warnings };
}

function matches(location: string, finding: Finding): boolean {
  const at = finding.location;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    return at.kind === "http" && at.url.startsWith(location);
  const hash = location.indexOf("#");
  if (hash !== -1) {
    if (at.kind !== "document") return false;
    const file = location.slice(0, hash);
    const pointer = location.slice(hash + 1);
    const sameFile =
      file === "" ||
      normalise(at.file) === normalise(file) ||
      normalise(at.file).endsWith(`/${normalise(file)}`);
    return sameFile && (at.pointer === pointer || at.pointer.startsWith(`${pointer}/`));
  }
  if (location.startsWith("/")) {
    if (at.kind === "document") {
      const escaped = `/paths/${location.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      return at.pointer === escaped || at.pointer.startsWith(`${escaped}/`);
    }
    let path: string;
    try {
      path = new URL(at.url).pathname;
    } catch {
      return false;
    }
    return templateRegExp(location).test(path);
  }
  return false;
}

function templateRegExp(template: string): RegExp {
  const parts = template.split(/\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[^/]+")}/?$`);
}

function normalise(file: string): string {
  return file.replace(/\\/g, "/").replace(/^\.\//, "");
}
