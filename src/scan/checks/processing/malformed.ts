import type { CheckContext, Exchange, ScanOperation } from "../../types.js";

/** Malformed JSON: cut short inside an object. */
export const MALFORMED_JSON = '{"rampart": "probe", ';

/**
 * Error-provoking requests shared by PROC-08 and OUT-07 (sent once per scan): malformed JSON to
 * an operation that takes JSON, an invalid percent-encoding in a path parameter, a made-up path.
 * None can succeed, so none changes anything.
 */
export function malformedProbes(context: CheckContext): Promise<Exchange[]> {
  return context.shared("malformed-probes", async () => {
    const { operations } = context.target;
    const answers: (Exchange | undefined)[] = [];
    const json = operations
      .filter((op) => op.bodyTypes.some((t) => /[/+]json/i.test(t)))
      .sort((a, b) => Number(a.secured) - Number(b.secured));
    for (const op of json.slice(0, 2)) {
      answers.push(
        await context.http.trySend({
          method: op.method,
          url: op.url,
          headers: { "content-type": "application/json" },
          body: MALFORMED_JSON,
        }),
      );
    }
    const withParam = operations.find((op) => op.method === "GET" && /\{[^}]+\}/.test(op.path));
    if (withParam)
      answers.push(await context.http.trySend({ url: badEncoding(withParam, context) }));
    return answers.filter((e): e is Exchange => e !== undefined);
  });
}

function badEncoding(op: ScanOperation, context: CheckContext): string {
  // %E0%A4%A is a truncated UTF-8 sequence: decodeURIComponent and friends throw on it.
  const segments = new URL(op.url).pathname.split("/");
  const prefix = segments.slice(0, segments.length - op.path.split("/").length + 1).join("/");
  const path = op.path.replace(/\{[^}]+\}/, "%E0%A4%A").replace(/\{[^}]+\}/g, "1");
  return `${context.target.base.origin}${prefix}${path}`;
}
