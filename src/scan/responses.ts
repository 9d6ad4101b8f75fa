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

/** Words of a refusal or a failure, in a message-only body or a short plain-text answer. */
const FAILURE_WORDS =
  /\b(invalid|incorrect|wrong|denied|unauthori[sz]ed|unauthenticated|forbidden|not (found|allowed|authori[sz]ed|permitted|provided|logged in)|fail(ed|ure)?|error|expired|missing|required|bad (request|credentials)|no such|does not exist|login first|please log ?in)\b/i;

/** Status words of an error envelope: `{"status": "fail"}`, `{"result": "error"}`. */
const FAILURE_STATUS =
  /^(error|errors|fail|failed|failure|ko|nok|denied|unauthori[sz]ed|unauthenticated|forbidden|invalid)$/i;

/** Error pages that frameworks render in HTML: Spring Boot's Whitelabel Error Page. */
const ERROR_PAGE =
  /<h1>Whitelabel Error Page<\/h1>|There was an unexpected error \(type=[^,)]*, status=\d{3}\)/;

/** Keys of a message-only body: a refusal says something and nothing else. */
const MESSAGE_KEYS = new Set([
  "message",
  "msg",
  "detail",
  "details",
  "description",
  "error_description",
  "reason",
  "title",
  "type",
  "status",
  "statuscode",
  "code",
  "timestamp",
  "path",
  "instance",
]);

/**
 * The one error-body recogniser of the scanner: true when a body says the request failed,
 * whatever its status. Every check that asks "did this succeed?" asks here, so that a 200
 * `{"status": "fail"}` means the same thing to the missing-auth check, the lockout check, the
 * status-code check and the injection checks.
 *
 * Recognised, on a JSON object that is not a resource (no `id` / `_id` / `uuid`):
 * - `success` / `ok` / `succeeded` false;
 * - `status` / `result` / `outcome` / `state` a failure word (`fail`, `error`, `denied`...);
 * - `status` / `statusCode` / `code` / `httpStatus` a number from 400 to 599 (RFC 9457 problems);
 * - `error` a non-empty string, an object or true; `errors` non-empty, without data beside it;
 * - `detail` a list of validation errors (FastAPI / Pydantic: objects with `loc` and `msg`);
 * - an RFC 9457 problem without `status`: `type` a URI (or `about:blank`), a `title`, and a
 *   `detail` or an `instance`;
 * - a message-only body (`message`, `detail`, ... and nothing else) in failure words.
 * And, on a body that is not JSON: a short plain text without markup (under 300 characters) in
 * failure words, or a framework's own error page (Spring Boot's Whitelabel Error Page). Any other
 * markup is a page (a catch-all, a login form), whatever words it holds.
 *
 * @example
 * ```ts
 * isErrorBody('{"status":"fail","message":"bad token"}'); // true
 * isErrorBody('{"error":null,"data":[1]}'); // false
 * ```
 */
export function isErrorBody(body: string): boolean {
  const json = parseJson(body);
  if (json === undefined) {
    const text = body.trim();
    if (ERROR_PAGE.test(text)) return true;
    // Markup is a page (a catch-all, a login form), whatever words it holds.
    return !text.includes("<") && text.length > 0 && text.length < 300 && FAILURE_WORDS.test(text);
  }
  if (!isObject(json)) return false;
  if ("id" in json || "_id" in json || "uuid" in json) return false;
  if (json.success === false || json.ok === false || json.succeeded === false) return true;
  for (const key of ["status", "result", "outcome", "state"]) {
    const value = json[key];
    if (typeof value === "string" && FAILURE_STATUS.test(value.trim())) return true;
  }
  for (const key of ["status", "statusCode", "code", "httpStatus"]) {
    const value = json[key];
    if (typeof value === "number" && value >= 400 && value <= 599) return true;
  }
  const error = json.error;
  if (error === true || (typeof error === "string" && error.trim() !== "")) return true;
  if (isObject(error) && Object.keys(error).length > 0) return true;
  const errors = json.errors;
  const hasData = json.data !== undefined && json.data !== null;
  if (!hasData && Array.isArray(errors) && errors.length > 0) return true;
  if (!hasData && isObject(errors) && Object.keys(errors).length > 0) return true;
  const detail = json.detail;
  if (
    Array.isArray(detail) &&
    detail.length > 0 &&
    detail.every((d) => isObject(d) && "loc" in d && typeof d.msg === "string")
  )
    return true;
  if (isProblem(json)) return true;
  const keys = Object.keys(json);
  if (keys.length > 0 && keys.every((k) => MESSAGE_KEYS.has(k.toLowerCase()))) {
    const words = keys
      .map((k) => json[k])
      .filter((v): v is string => typeof v === "string")
      .join(" ");
    return FAILURE_WORDS.test(words);
  }
  return false;
}

/**
 * An RFC 9457 problem document by its members, for problems that leave out the (optional)
 * `status`: a `type` URI, a `title`, and a `detail` or an `instance`.
 */
function isProblem(json: Readonly<Record<string, unknown>>): boolean {
  return (
    typeof json.type === "string" &&
    /^(?:about:blank$|https?:\/\/|urn:|tag:)/i.test(json.type.trim()) &&
    typeof json.title === "string" &&
    (typeof json.detail === "string" || typeof json.instance === "string")
  );
}
