import type { CheckContext, Exchange, ScanOperation } from "../../types.js";
import { covered } from "../outcome.js";

/** Malformed JSON: cut short inside an object. */
export const MALFORMED_JSON = '{"rampart": "probe", ';

/** Well-formed JSON of the wrong shape: an array where every operation expects an object. */
export const WRONG_SHAPE_JSON = "[]";

/** Operations sent each kind of malformed input, at most. */
export const MAX_MALFORMED_PER_KIND = 12;

/** What the error probes asked and what came back. */
export interface MalformedProbes {
  /** The answers (unanswered probes left out). */
  readonly answers: readonly Exchange[];
  /** Operations that take malformed input of some kind (JSON body, path parameter). */
  readonly candidates: number;
  /** Probes sent. */
  readonly sent: number;
  /** Operations left out by the per-kind cap. */
  readonly capped: number;
}

/**
 * Error-provoking requests shared by PROC-08 and OUT-07 (sent once per scan): malformed JSON and
 * a JSON array (where an object is expected) to every operation that takes JSON, and an invalid
 * percent-encoding in the path parameter of
 * every read with one (each up to {@link MAX_MALFORMED_PER_KIND}); without an API description,
 * the invalid encoding goes into the last segment of paths the scan met. None can succeed, so
 * none changes anything.
 */
export function malformedProbes(context: CheckContext): Promise<MalformedProbes> {
  return context.shared("malformed-probes", async () => {
    const { operations } = context.target;
    const json = operations
      .filter((op) => op.bodyTypes.some((t) => /[/+]json/i.test(t)))
      .sort((a, b) => Number(a.secured) - Number(b.secured));
    const withParam = operations.filter((op) => op.method === "GET" && /\{[^}]+\}/.test(op.path));
    const urls = [
      ...json.slice(0, MAX_MALFORMED_PER_KIND).flatMap((op) =>
        [MALFORMED_JSON, WRONG_SHAPE_JSON].map((body) => ({
          method: op.method,
          url: op.url,
          headers: { "content-type": "application/json" },
          body,
        })),
      ),
      ...withParam.slice(0, MAX_MALFORMED_PER_KIND).map((op) => ({ url: badEncoding(op) })),
      ...(operations.length === 0 ? seenPaths(context).map((url) => ({ url })) : []),
    ];
    const answers = await Promise.all(urls.map((request) => context.http.trySend(request)));
    return {
      answers: answers.filter((e): e is Exchange => e !== undefined),
      candidates: json.length + withParam.length,
      sent: urls.length,
      capped:
        Math.max(0, json.length - MAX_MALFORMED_PER_KIND) +
        Math.max(0, withParam.length - MAX_MALFORMED_PER_KIND),
    };
  });
}

/**
 * The surface of a check that judges the answers to the error probes: the operations provoked
 * out of those that take malformed input, with a gap when there is no API description (only
 * paths met by chance were tried) or when probes went unanswered.
 */
export function provokedSurface(context: CheckContext, probes: MalformedProbes, unit: string) {
  const answeredOps = new Set(probes.answers.map((e) => `${e.method} ${new URL(e.url).pathname}`));
  const provoked = Math.min(answeredOps.size, probes.candidates);
  if (context.target.document === undefined)
    return covered(probes.answers.length, probes.answers.length, unit, [
      "no API description: errors provoked on paths met by chance only",
    ]);
  const gaps = [
    ...(probes.candidates > probes.sent
      ? [
          `${probes.candidates - probes.sent} operations beyond the first ${MAX_MALFORMED_PER_KIND} of each kind`,
        ]
      : []),
    ...(probes.answers.length < probes.sent
      ? [`${probes.sent - probes.answers.length} probes got no answer`]
      : []),
  ];
  return covered(provoked, Math.max(probes.candidates, 1), unit, gaps);
}

function badEncoding(op: ScanOperation): string {
  // %E0%A4%A is a truncated UTF-8 sequence: decodeURIComponent and friends throw on it.
  const path = op.path.replace(/\{[^}]+\}/, "%E0%A4%A").replace(/\{[^}]+\}/g, "1");
  return `${op.server}${path}`;
}

/** Paths the scan met (two segments or more), their last segment made an invalid encoding. */
function seenPaths(context: CheckContext): string[] {
  const paths = new Set<string>();
  for (const { exchange } of context.target.observed) {
    const url = new URL(exchange.url);
    if (!context.http.inScope(url)) continue;
    const segments = url.pathname.split("/").filter(Boolean);
    if (segments.length < 2) continue;
    paths.add(`${url.origin}/${[...segments.slice(0, -1), "%E0%A4%A"].join("/")}`);
  }
  return [...paths].slice(0, MAX_MALFORMED_PER_KIND / 2);
}
