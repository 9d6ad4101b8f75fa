import { apiResponses, isCatchAll } from "../../responses.js";
import type { Exchange, ScanCheck } from "../../types.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";

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
  proves: ["IN-02"],
  severity: "info",
  intrusive: false,
  needs: [],
  title: "406 for an unsupported Accept",
  async run(context) {
    if (isCatchAll(context.target))
      return notTested("the target answers every path alike (catch-all)");
    // The API's answers, and for an application without a JSON API its own pages.
    const pages = context.target.observed
      .map((o) => o.exchange)
      .filter((e) => /^text\/html/i.test(e.headers["content-type"] ?? ""));
    const ok = [
      ...new Map(
        [...apiResponses(context.target), ...pages]
          .filter((e) => e.status >= 200 && e.status < 300 && e.method === "GET")
          .map((e) => [e.url, e]),
      ).values(),
    ];
    if (ok.length === 0) return notTested("no successful API response to probe");
    const probed = ok.slice(0, MAX_ACCEPT_PROBES);
    // Writes are asked too in the full profile, with their example bodies: negotiation is often
    // per handler, and a token or login endpoint may ignore it where the reads do not.
    const writes = context.target.operations.filter(
      (o) => o.method !== "GET" && o.method !== "HEAD" && o.method !== "DELETE",
    );
    const askedWrites = context.profile === "full" ? writes.slice(0, MAX_ACCEPT_PROBES) : [];
    const answers = await Promise.all([
      ...probed.map((e) =>
        context.http.trySend({ url: e.url, headers: { accept: UNSUPPORTED_ACCEPT } }),
      ),
      ...askedWrites.map((op) =>
        context.http.trySend({
          method: op.method,
          url: op.url,
          headers: {
            accept: UNSUPPORTED_ACCEPT,
            ...(op.exampleBody !== undefined ? { "content-type": "application/json" } : {}),
          },
          ...(op.exampleBody !== undefined ? { body: op.exampleBody } : {}),
        }),
      ),
    ]);
    const conclusive = answers.filter(
      (a): a is Exchange => a !== undefined && ![401, 403, 404, 405, 429].includes(a.status),
    );
    if (conclusive.length === 0) return notTested("no probe got a conclusive answer (none or 429)");
    const ignored = conclusive.filter((a) => a.status >= 200 && a.status < 300);
    const first = ignored[0];
    const findings = first
      ? [
          context.finding({
            title: "Unsupported Accept answered with content instead of 406",
            detail: `Accept: ${UNSUPPORTED_ACCEPT} got ${first.status} with ${first.headers["content-type"] ?? "no Content-Type"} on ${ignored.length} of ${conclusive.length} operations; the API ignores content negotiation, so clients cannot rely on getting the format they asked for.`,
            exchange: first,
            headers: ["content-type", "vary"],
            evidence: {
              request: `${first.method} ${new URL(first.url).pathname} HTTP/1.1 (Accept: ${UNSUPPORTED_ACCEPT})`,
            },
            subject: "ignored",
          }),
        ]
      : [];
    const gaps = [
      ...undescribed(context),
      ...(ok.length > probed.length ? [`${ok.length - probed.length} reads beyond the cap`] : []),
      ...(writes.length > askedWrites.length
        ? [
            `${writes.length - askedWrites.length} write operations not asked${context.profile === "full" ? "" : " (--profile full)"}`,
          ]
        : []),
    ];
    return ran(findings, covered(conclusive.length, ok.length + writes.length, "operations", gaps));
  },
};

/** Operations asked with an unsupported Accept, at most. */
export const MAX_ACCEPT_PROBES = 30;
