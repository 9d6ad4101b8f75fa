/** One media range of an Accept header (RFC 9110 12.5.1), parameters other than q dropped. */
export interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses an Accept header into its media ranges. Malformed ranges are skipped; a malformed
 * q-value counts as q=1 (RFC 9110 12.4.2 allows 0..1 with three decimals).
 *
 * @example
 * ```ts
 * parseAccept("application/json;q=0.5, text/*"); // [{ type: "application", subtype: "json", q: 0.5 }, ...]
 * ```
 */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [range = "", ...params] = part.split(";").map((s) => s.trim());
    const [type, subtype, extra] = range.toLowerCase().split("/");
    if (!type || !subtype || extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) {
      continue;
    }
    if (type === "*" && subtype !== "*") continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split("=").map((s) => s.trim());
      if (
        name?.toLowerCase() === "q" &&
        value !== undefined &&
        /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value)
      ) {
        q = Number(value);
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * Picks the first of `produces` that the Accept header allows, or undefined when none is
 * acceptable (a 406). The most specific range that matches a type decides its q (RFC 9110
 * 12.5.1), so `*\/*, application/json;q=0` refuses JSON. A header without one valid range
 * is treated as absent.
 *
 * @example
 * ```ts
 * negotiate(["application/json"], "text/html"); // undefined
 * negotiate(["application/json"], "application/*"); // "application/json"
 * ```
 */
export function negotiate(produces: readonly string[], accept: string): string | undefined {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return produces[0];
  let best: { type: string; q: number } | undefined;
  for (const produced of produces) {
    const q = qualityOf(produced, ranges);
    if (q > 0 && (best === undefined || q > best.q)) best = { type: produced, q };
  }
  return best?.type;
}

function qualityOf(mediaType: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = mediaType.toLowerCase().split("/");
  let specificity = -1;
  let q = 0;
  for (const range of ranges) {
    const s =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === "*"
          ? 1
          : range.type === "*"
            ? 0
            : -1;
    if (s > specificity) {
      specificity = s;
      q = range.q;
    }
  }
  return q;
}

/**
 * The media type of a Content-Type value, lower-cased, parameters dropped.
 *
 * @example
 * ```ts
 * mediaTypeOf("Application/JSON; charset=utf-8"); // "application/json"
 * ```
 */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(";", 1)[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/**
 * Whether a media type is one a route accepts. An accepted entry may use a structured-syntax
 * suffix wildcard (`application/*+json`, RFC 6839); a bare `application/json` does not admit
 * `application/merge-patch+json` unless the route lists it.
 *
 * @example
 * ```ts
 * isAccepted("application/merge-patch+json", ["application/json"]); // false
 * isAccepted("application/vnd.a+json", ["application/*+json"]); // true
 * ```
 */
export function isAccepted(mediaType: string, accepts: readonly string[]): boolean {
  return accepts.some((entry) => {
    const wildcard = /^([^/]+)\/\*(\+[^/]+)$/.exec(entry);
    if (!wildcard) return entry === mediaType;
    const [, type, suffix] = wildcard as unknown as [string, string, string];
    return mediaType.startsWith(`${type}/`) && mediaType.endsWith(suffix);
  });
}

/**
 * Whether a media type is JSON: `application/json` or a `+json` structured suffix (RFC 6839).
 *
 * @example
 * ```ts
 * isJsonMediaType("application/problem+json"); // true
 * ```
 */
export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === "application/json" || /^application\/[^/]+\+json$/.test(mediaType);
}
