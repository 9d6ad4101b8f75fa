import type { Finding } from "../../../core/finding.js";
import { isErrorBody } from "../../responses.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { notTested, ran } from "../outcome.js";
import { passiveCheck } from "../passive-check.js";
import { malformedProbes, provokedSurface } from "../processing/malformed.js";

/**
 * OUT-07: status codes match the outcome. Errors are not disguised as 200 (a made-up path or
 * invalid input answered 200 with an error body), malformed input gets 4xx rather than 500, and
 * missing credentials get 401 with a challenge (RFC 9110 section 11.6.1), not 200.
 */
export const statusCodesCheck: ScanCheck = {
  id: "out-07-status-codes",
  items: ["OUT-07"],
  proves: ["OUT-07"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "Status codes that match the outcome",
  async run(context) {
    const findings: Finding[] = [];
    const probes = (await malformedProbes(context)).answers;
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
    return ran(findings, provokedSurface(context, await malformedProbes(context), "operations"));
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

/**
 * OUT-07, passively on every exchange of the scan: a 2xx whose body says the request failed
 * (the one recogniser, `isErrorBody`), and a 500 provoked by a probe's input (input the server
 * should have refused with 4xx reached code that crashed on it). One finding per operation. It
 * can find the item failing, never prove it holds.
 */
export const errorStatusCheck: ScanCheck = passiveCheck({
  id: "out-07-error-status",
  items: ["OUT-07"],
  proves: [],
  severity: "medium",
  title: "Errors never answered as successes, bad input never as 500",
  summariseSubjects: ["no-credentials-403"],
  inspect: (e, meta) => {
    if (e.status >= 200 && e.status < 300 && e.body !== "" && isErrorBody(e.body)) {
      return [
        {
          subject: "error-as-success",
          finding: {
            title: `Error answered with ${e.status}`,
            detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status} with a body that says the request failed: clients, caches and monitoring take it for a success.`,
            headers: ["content-type"],
            body: true,
          },
        },
      ];
    }
    // RFC 9110 15.5.2 and 15.5.4: no credentials at all is 401 (with a challenge); 403 says the
    // credentials given do not suffice, and leaves the client no way to learn how to log in.
    if (e.status === 403 && meta.documented && meta.secured && !meta.authenticated) {
      return [
        {
          subject: "no-credentials-403",
          finding: {
            severity: "low",
            title: "Missing credentials answered with 403 instead of 401",
            detail: `${e.method} ${new URL(e.url).pathname} requires credentials and answered a request without any with 403: RFC 9110 asks for 401 with a WWW-Authenticate challenge, 403 being for credentials that do not suffice.`,
            headers: ["www-authenticate", "content-type"],
            body: true,
          },
        },
      ];
    }
    if (e.status === 500 && meta.owner !== "scan") {
      return [
        {
          subject: "probe-500",
          finding: {
            severity: "low",
            title: "Client input answered with 500",
            detail: `${e.method} ${new URL(e.url).pathname} answered 500 to a probe of ${meta.owner}: input the server should refuse with a 4xx reached code that failed on it.`,
            headers: ["content-type"],
            body: true,
          },
        },
      ];
    }
    return [];
  },
});
