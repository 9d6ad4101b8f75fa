import type { Finding } from "../../../core/finding.js";
import { isErrorBody } from "../../responses.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { notTested, ran } from "../outcome.js";
import { malformedProbes } from "../processing/malformed.js";

/**
 * OUT-07: status codes match the outcome. Errors are not disguised as 200 (a made-up path or
 * invalid input answered 200 with an error body), malformed input gets 4xx rather than 500, and
 * missing credentials get 401 with a challenge (RFC 9110 section 11.6.1), not 200.
 */
export const statusCodesCheck: ScanCheck = {
  id: "out-07-status-codes",
  items: ["OUT-07"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "Status codes that match the outcome",
  async run(context) {
    const findings: Finding[] = [];
    const probes = await malformedProbes(context);
    if (!context.target.baseline && probes.length === 0)
      return notTested(
        "neither a made-up path nor malformed input got an answer (timeouts or broken responses)",
        authFindings(context),
      );
    const disguised = [context.target.baseline, ...probes].find(
      (e): e is Exchange => e !== undefined && e.status === 200 && isErrorBody(e.body),
    );
    if (disguised) {
      findings.push(
        context.finding({
          title: "Error answered with 200",
          detail: `${disguised.method} ${new URL(disguised.url).pathname} (a request that must fail) got 200 with an error body: clients, caches and monitoring take it for a success.`,
          exchange: disguised,
          headers: ["content-type"],
          body: true,
          subject: "errors-as-200",
        }),
      );
    }
    const crashed = probes.find((e) => e.status >= 500 && e.status !== 503);
    if (crashed) {
      findings.push(
        context.finding({
          title: `Malformed input answered with ${crashed.status}`,
          detail: `${crashed.method} ${new URL(crashed.url).pathname} with malformed input got ${crashed.status}: input the server should reject with 400 reached code that failed on it.`,
          exchange: crashed,
          headers: ["content-type"],
          subject: "malformed-500",
        }),
      );
    }
    findings.push(...authFindings(context));
    return ran(findings);
  },
};

function authFindings(context: CheckContext): Finding[] {
  const { target } = context;
  if (target.authenticated) return [];
  for (const op of target.operations.filter((o) => o.secured && o.method === "GET")) {
    const e = target.observed.find(
      (o) => o.source === "operation" && o.exchange.url === op.url,
    )?.exchange;
    if (!e) continue;
    if (e.status === 200 && isErrorBody(e.body)) {
      return [
        context.finding({
          title: "Missing credentials answered with 200",
          detail: `${op.method} ${op.path} requires credentials, yet a request without any got 200 with an error body instead of 401.`,
          exchange: e,
          headers: ["www-authenticate", "content-type"],
          body: true,
          subject: "auth-200",
        }),
      ];
    }
    if (e.status === 401 && !e.headers["www-authenticate"]) {
      return [
        context.finding({
          severity: "low",
          title: "401 without WWW-Authenticate",
          detail:
            "RFC 9110 section 11.6.1: a 401 response must carry a WWW-Authenticate challenge telling the client how to authenticate.",
          exchange: e,
          headers: ["www-authenticate"],
          subject: "401-no-challenge",
        }),
      ];
    }
  }
  return [];
}
