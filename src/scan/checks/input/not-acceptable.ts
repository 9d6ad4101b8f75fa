import { apiResponses, isCatchAll } from "../../responses.js";
import type { ScanCheck } from "../../types.js";
import { notTested, ran } from "../outcome.js";

/** A media type no API produces. */
export const UNSUPPORTED_ACCEPT = "application/x-rampart-unsupported";

/**
 * IN-02: a request whose Accept names only a format the API cannot produce gets 406 Not
 * Acceptable (RFC 9110 section 12.5.1), not JSON anyway. Probed on an API response that
 * succeeded, so that the only change is the Accept header.
 */
export const notAcceptableCheck: ScanCheck = {
  id: "in-02-not-acceptable",
  items: ["IN-02"],
  severity: "low",
  intrusive: false,
  needs: ["api-responses"],
  title: "406 for an unsupported Accept",
  async run(context) {
    if (isCatchAll(context.target))
      return notTested("the target answers every path alike (catch-all)");
    const ok = apiResponses(context.target).filter(
      (e) => e.status >= 200 && e.status < 300 && e.method === "GET",
    );
    const sample = ok[0];
    if (!sample) return notTested("no successful API response to probe");
    const answer = await context.http.trySend({
      url: sample.url,
      headers: { accept: UNSUPPORTED_ACCEPT },
    });
    if (!answer) return notTested("the probe did not answer");
    if (answer.status === 429) return notTested("the target rate-limited the probe (429)");
    if (answer.status >= 200 && answer.status < 300) {
      return ran([
        context.finding({
          title: "Unsupported Accept answered with content instead of 406",
          detail: `Accept: ${UNSUPPORTED_ACCEPT} got ${answer.status} with ${answer.headers["content-type"] ?? "no Content-Type"}; the API ignores content negotiation, so clients cannot rely on getting the format they asked for.`,
          exchange: answer,
          headers: ["content-type", "vary"],
          evidence: {
            request: `GET ${new URL(answer.url).pathname} HTTP/1.1 (Accept: ${UNSUPPORTED_ACCEPT})`,
          },
          subject: "ignored",
        }),
      ]);
    }
    return ran();
  },
};
