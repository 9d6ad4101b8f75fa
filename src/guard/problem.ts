import type { ServerResponse } from "node:http";
import type { Rejection, ResponseHead } from "./policy.js";

/**
 * Writes a guard refusal as `application/problem+json` (RFC 9457) with the correlation id in
 * the body and in `X-Request-Id`, hardened like every other response.
 *
 * @example
 * ```ts
 * sendProblem(res, rejection, "2b6f...", false, table.harden, false);
 * ```
 */
export function sendProblem(
  res: ServerResponse,
  problem: Rejection,
  requestId: string,
  secure: boolean,
  harden: (headers: ResponseHead["headers"], secure: boolean) => void,
  headOnly: boolean,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    type: "about:blank",
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    correlationId: requestId,
  });
  const headers: ResponseHead["headers"] = {
    ...problem.headers,
    "content-type": "application/problem+json",
    "content-length": String(Buffer.byteLength(body)),
    "x-request-id": requestId,
  };
  harden(headers, secure);
  res.writeHead(problem.status, headers);
  res.end(headOnly ? undefined : body);
}
