import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";

/**
 * Content codings (RFC 9110 8.4.1) the guard can undo, for request bodies it reads and response
 * bodies it inspects, always within a byte limit on the decoded output.
 */

/** At most this many codings stacked on one body: more is abuse, not a client. */
const MAX_CODINGS = 2;

/** Every coding the guard decodes. */
export const DECODABLE: ReadonlySet<string> = new Set(["gzip", "deflate", "br"]);

/**
 * The codings of a Content-Encoding value in the order they were applied, "identity" left out;
 * undefined when one is not in `accepted` or more than two are stacked.
 *
 * @example
 * ```ts
 * codingsOf("x-gzip, br", DECODABLE); // ["gzip", "br"]
 * codingsOf("zstd", DECODABLE); // undefined
 * ```
 */
export function codingsOf(
  value: string | string[],
  accepted: ReadonlySet<string>,
): string[] | undefined {
  const out: string[] = [];
  for (const raw of String(value).split(",")) {
    let coding = raw.trim().toLowerCase();
    if (coding === "identity" || coding === "") continue;
    if (coding === "x-gzip") coding = "gzip"; // RFC 9110 8.4.1.3
    if (!accepted.has(coding) || out.length === MAX_CODINGS) return undefined;
    out.push(coding);
  }
  return out;
}

/**
 * Undoes `codings` (as {@link codingsOf} lists them) last first. Throws a RangeError with code
 * ERR_BUFFER_TOO_LARGE once the output would pass `limit` bytes (zlib stops there: no bomb
 * expands in memory), any other error for a body that does not decode.
 *
 * @example
 * ```ts
 * decodeCodings(gzipSync("{}"), ["gzip"], 1024).toString(); // "{}"
 * ```
 */
export function decodeCodings(body: Buffer, codings: readonly string[], limit: number): Buffer {
  const options = { maxOutputLength: Math.max(limit, 1) };
  let out = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i];
    if (coding === "gzip") out = gunzipSync(out, options);
    else if (coding === "br") out = brotliDecompressSync(out, options);
    else out = inflateDeflate(out, options);
  }
  return out;
}

/** Whether an error of {@link decodeCodings} is the output limit rather than a corrupt body. */
export function isTooLarge(error: unknown): boolean {
  return (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
}

/**
 * "deflate" is the zlib format (RFC 9110 8.4.1.2), but some clients send raw deflate: both are
 * read, as browsers and most servers do.
 */
function inflateDeflate(body: Buffer, options: { maxOutputLength: number }): Buffer {
  try {
    return inflateSync(body, options);
  } catch (error) {
    if (isTooLarge(error)) throw error;
    return inflateRawSync(body, options);
  }
}
