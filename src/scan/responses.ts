import { isJsonResponse, isObject, parseJson } from "./discovery.js";
import type { Exchange, Observation, ScanTarget } from "./types.js";

/**
 * The API's own responses among what discovery saw: operations of the document and discovered
 * JSON endpoints, answered below 500 and not 404. Header checks judge these, never the 404 page
 * of a static host.
 *
 * @example
 * ```ts
 * apiResponses(target).map((e) => e.headers["x-content-type-options"]);
 * ```
 */
export function apiResponses(target: ScanTarget): Exchange[] {
  return target.observed
    .filter((o) => isApiObservation(o))
    .map((o) => o.exchange)
    .sort((a, b) => rank(a) - rank(b));
}

function isApiObservation(o: Observation): boolean {
  const e = o.exchange;
  if (e.status === 404 || e.status >= 500 || e.status < 200) return false;
  if (o.source === "operation" || o.source === "discovered" || o.source === "login")
    return isJsonResponse(e);
  return o.source === "root" && isJsonResponse(e);
}

// Successful answers first: they are what clients consume.
function rank(e: Exchange): number {
  return e.status >= 200 && e.status < 300 ? 0 : 1;
}

/**
 * True when the target answered a made-up path with a success that is not an error body: a
 * catch-all, on which status codes prove nothing. (A 200 with `{"success": false}` is an error
 * disguised as 200: OUT-07 reports it, and the status of other requests still means something.)
 */
export function isCatchAll(target: ScanTarget): boolean {
  const b = target.baseline;
  return b !== undefined && b.status >= 200 && b.status < 300 && !isErrorBody(b.body);
}

/** A body that says it is an error: `{"success": false}`, `{"error": ...}`, `{"status": "error"}`. */
export function isErrorBody(body: string): boolean {
  const json = parseJson(body);
  if (!isObject(json)) return false;
  if (json.success === false || json.ok === false) return true;
  if (typeof json.status === "string" && /^(error|fail(ed|ure)?)$/i.test(json.status)) return true;
  return ("error" in json || "errors" in json) && !("data" in json);
}
