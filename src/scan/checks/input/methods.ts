import { randomBytes } from "node:crypto";
import { isCatchAll, isErrorBody } from "../../responses.js";
import type { CheckContext, ScanCheck, ScanOperation } from "../../types.js";
import { notTested, ran } from "../outcome.js";

/**
 * A path of the document and a method it does not declare. PATCH without a body first: an empty
 * merge patch changes nothing even on a server that wrongly runs it.
 */
export function unsupportedMethod(
  operations: readonly ScanOperation[],
): { op: ScanOperation; method: string } | undefined {
  const byPath = new Map<string, ScanOperation[]>();
  for (const op of operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  const candidates = [...byPath.values()]
    .filter((ops) => ops.some((o) => o.method === "GET"))
    .sort((a, b) => Number(a[0]?.secured) - Number(b[0]?.secured));
  for (const ops of candidates) {
    const declared = new Set(ops.map((o) => o.method));
    const get = ops.find((o) => o.method === "GET");
    for (const method of ["PATCH", "PUT"])
      if (get && !declared.has(method)) return { op: get, method };
  }
  return undefined;
}

/**
 * IN-01: a method a path does not support gets 405 with an Allow header (RFC 9110 15.5.6), and
 * TRACE is off (it echoes the request, cookies and credentials included: cross-site tracing).
 */
export const methodsCheck: ScanCheck = {
  id: "in-01-methods",
  items: ["IN-01"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "405 with Allow for unsupported methods, TRACE off",
  async run(context) {
    const trace = await traceFindings(context);
    const findings = [...trace.findings];
    let answered = trace.answered;
    const pick = unsupportedMethod(context.target.operations);
    if (pick && !isCatchAll(context.target)) {
      const answer = await context.http.trySend({ method: pick.method, url: pick.op.url });
      answered ||= answer !== undefined;
      const control = await context.http.trySend({
        method: pick.method,
        url: context.randomPath(),
      });
      const catchAll =
        control !== undefined &&
        control.status >= 200 &&
        control.status < 300 &&
        !isErrorBody(control.body);
      if (answer && !catchAll) {
        if (answer.status >= 200 && answer.status < 300) {
          findings.push(
            context.finding({
              title: `${pick.method} answered on a path that does not support it`,
              detail: `${pick.op.path} declares no ${pick.method} operation, yet ${pick.method} gets ${answer.status} instead of 405 Method Not Allowed.`,
              exchange: answer,
              headers: ["allow", "content-type"],
              body: true,
              subject: "no-405",
            }),
          );
        } else if (answer.status === 405 && !answer.headers.allow) {
          findings.push(
            context.finding({
              severity: "low",
              title: "405 without an Allow header",
              detail:
                "RFC 9110 section 15.5.6: a 405 response must list the supported methods in Allow.",
              exchange: answer,
              headers: ["allow"],
              subject: "no-allow",
            }),
          );
        }
      }
    }
    if (!answered) return notTested("neither the TRACE nor the 405 probe got an answer");
    return ran(findings);
  },
};

async function traceFindings(context: CheckContext) {
  const marker = randomBytes(8).toString("hex");
  const url = context.target.operations.find((o) => o.method === "GET" && !o.secured)?.url ?? "/";
  const answer = await context.http.trySend({
    method: "TRACE",
    url,
    anonymous: true,
    headers: { "x-rampart-trace": marker },
  });
  if (answer?.status !== 200 || !answer.body.includes(marker))
    return { answered: answer !== undefined, findings: [] };
  const finding = context.finding({
    title: "TRACE enabled",
    detail:
      "TRACE echoes the request back, headers included: a script able to send it can read cookies and credentials that are otherwise hidden from it (cross-site tracing).",
    exchange: answer,
    headers: ["content-type"],
    body: true,
    evidence: { note: `the marker header x-rampart-trace: ${marker} came back in the body` },
    subject: "trace",
  });
  return { answered: true, findings: [finding] };
}
