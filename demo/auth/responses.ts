import { problem } from "../http/problem.js";
import type { DemoContext, DemoRequest, DemoResponse } from "../types.js";

/** A parsed JSON body, or the response that refuses it. */
export type JsonBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly response: DemoResponse };

/**
 * Parses a JSON request body (the pipeline has already refused malformed JSON; what is left to
 * refuse here is a missing body): a 400 problem, or with `malformed-input-500` the parser's
 * exception, as in an app that never expected bad input.
 *
 * @example
 * ```ts
 * const body = readJson(request, context);
 * if (!body.ok) return body.response;
 * ```
 */
export function readJson(request: DemoRequest, context: DemoContext): JsonBody {
  try {
    return { ok: true, value: JSON.parse(request.body.toString("utf8")) as unknown };
  } catch (error) {
    if (context.has("malformed-input-500")) throw error;
    return { ok: false, response: problem(400, "The request body must be a JSON object.") };
  }
}
