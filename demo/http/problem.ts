import { STATUS_CODES } from "node:http";
import type { DemoResponse } from "../types.js";

/** The media type of RFC 9457 problem details. */
export const PROBLEM_JSON = "application/problem+json";

/**
 * An RFC 9457 problem details response (`type` about:blank, so `title` is the status phrase).
 * Extension members (such as `errors`) are added beside the standard ones.
 *
 * @example
 * ```ts
 * return problem(404, "no order 42");
 * problem(400, "invalid body", { errors: [{ pointer: "/quantity", detail: "must be an integer" }] });
 * ```
 */
export function problem(
  status: number,
  detail?: string,
  extensions: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {},
): DemoResponse {
  return {
    status,
    headers,
    contentType: PROBLEM_JSON,
    body: {
      type: "about:blank",
      title: STATUS_CODES[status] ?? "Error",
      status,
      ...(detail === undefined ? {} : { detail }),
      ...extensions,
    },
  };
}

/** One refused input, located by a JSON pointer into the request body or a query parameter name. */
export interface InputError {
  readonly pointer?: string;
  readonly parameter?: string;
  readonly detail: string;
}

/**
 * An expected failure a handler throws instead of returning a response: the pipeline turns it
 * into a problem (or, with `errors-as-200`, into the flawed 200 body).
 *
 * @example
 * ```ts
 * throw new HttpError(400, "invalid order", [{ pointer: "/quantity", detail: "must be 1..1000" }]);
 * ```
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: number;
  readonly errors: readonly InputError[];

  constructor(status: number, detail: string, errors: readonly InputError[] = []) {
    super(detail);
    this.status = status;
    this.errors = errors;
  }
}

/**
 * The JSON pointer (RFC 6901) of a top-level member, for {@link InputError.pointer}.
 *
 * @example
 * ```ts
 * pointerTo("a/b"); // "/a~1b"
 * ```
 */
export function pointerTo(key: string): string {
  return `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
}
