import { randomBytes, randomUUID } from "node:crypto";
import { isCatchAll, isErrorBody } from "../../responses.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";

/**
 * A method no API implements but every HTTP parser reads (a WebDAV method, read-only): a server
 * that answers it with success answers every method alike.
 */
export const UNKNOWN_METHOD = "PROPFIND";

/** Paths probed with a method they do not declare, at most. */
export const MAX_METHOD_PATHS = 40;

/** A documented path, a method it does not declare, and the declared operation beside it. */
export interface MethodProbe {
  readonly op: ScanOperation;
  readonly method: string;
}

/**
 * One probe per documented path: PATCH (then PUT) without a body where GET is declared (an
 * empty merge patch changes nothing even on a server that wrongly runs it), GET where it is not,
 * with a random id in the path (a server that runs a write on any method finds nothing to write
 * to). Paths that declare all of them, and write-only paths without a parameter, are left out.
 *
 * @example
 * ```ts
 * unsupportedMethods(operations)[0]; // { op: GET /api/orders/{id}, method: "PATCH" }
 * ```
 */
export function unsupportedMethods(operations: readonly ScanOperation[]): MethodProbe[] {
  const byPath = new Map<string, ScanOperation[]>();
  for (const op of operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  const probes: MethodProbe[] = [];
  for (const ops of byPath.values()) {
    const declared = new Set(ops.map((o) => o.method));
    const get = ops.find((o) => o.method === "GET");
    const method = get
      ? ["PATCH", "PUT"].find((m) => !declared.has(m))
      : declared.has("GET")
        ? undefined
        : "GET";
    const op = get ?? ops[0];
    if (!method || !op) continue;
    if (get) {
      probes.push({ op, method });
      continue;
    }
    // A path that only writes is asked GET with a random id, never the id of a real object: a
    // server that runs the write whatever the method (POST /users/{id}/disable) then has nothing
    // to act on. Without a path parameter there is no such guard, so the path is left out.
    if (!/\{[^}]+\}/.test(op.path)) continue;
    const url = `${op.server}${op.path.replace(/\{[^}]+\}/g, () => randomUUID())}`;
    probes.push({ op: { ...op, url }, method });
  }
  // Public paths first: their answers are not hidden behind 401.
  return probes.sort((a, b) => Number(a.op.secured) - Number(b.op.secured));
}

/**
 * IN-01: a method a path does not support gets 405 with an Allow header (RFC 9110 15.5.6), on
 * every documented path, and TRACE is off (it echoes the request, cookies and credentials
 * included: cross-site tracing). A 404 counts only where the same URL is known to exist (its
 * GET answered 2xx, or the path answered something else than 404 before); a success counts only
 * when {@link UNKNOWN_METHOD} succeeds too (else the server merely supports an undocumented
 * method).
 */
export const methodsCheck: ScanCheck = {
  id: "in-01-methods",
  items: ["IN-01"],
  proves: ["IN-01"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "405 with Allow for unsupported methods, TRACE off",
  async run(context) {
    const trace = await traceFindings(context);
    const findings = [...trace.findings];
    const all = unsupportedMethods(context.target.operations);
    if (all.length === 0) {
      if (!trace.answered) return notTested("neither the TRACE probe nor any path answered");
      return ran(findings, covered(0, 0, "paths", ["no documented path to probe"]));
    }
    if (isCatchAll(context.target))
      return notTested("the target answers every path alike (catch-all)", findings);
    // A server that answers any method on any path alike proves nothing by its statuses.
    const control = await context.http.trySend({ method: "PATCH", url: context.randomPath() });
    if (control && control.status >= 200 && control.status < 300 && !isErrorBody(control.body))
      return notTested("a made-up path answers PATCH with success too (catch-all)", findings);
    const probes = all.slice(0, MAX_METHOD_PATHS);
    let conclusive = 0;
    const wrong: { probe: MethodProbe; answer: Exchange }[] = [];
    const notAllowed: Exchange[] = [];
    await Promise.all(
      probes.map(async (probe) => {
        const answer = await context.http.trySend({ method: probe.method, url: probe.op.url });
        if (!answer || [401, 403, 407, 429, 503].includes(answer.status)) return;
        if (answer.status === 405) {
          conclusive++;
          if (!answer.headers.allow) notAllowed.push(answer);
          return;
        }
        if (answer.status === 404 && !(await exists(context, probe))) return;
        if (answer.status >= 200 && answer.status < 300) {
          // Success may only mean the document is incomplete (a PATCH the server does support).
          // A method no API implements tells the two apart: refused, the server checks methods.
          const bogus = await context.http.trySend({ method: UNKNOWN_METHOD, url: probe.op.url });
          if (!bogus || bogus.status < 200 || bogus.status >= 300) {
            if (bogus) conclusive++;
            return;
          }
        }
        conclusive++;
        wrong.push({ probe, answer });
      }),
    );
    if (wrong.length > 0) {
      const first = wrong[0] as { probe: MethodProbe; answer: Exchange };
      const list = wrong
        .slice(0, 5)
        .map((w) => `${w.probe.method} ${w.probe.op.path}: ${w.answer.status}`)
        .join("; ");
      const lead = wrong.find((w) => w.answer.status < 300);
      findings.push(
        context.finding({
          severity: lead ? "medium" : "low",
          title: lead
            ? `${lead.probe.method} answered on a path that does not support it`
            : "Unsupported method not answered with 405",
          detail: `${wrong.length} of ${conclusive} documented paths answer a method they do not declare with something else than 405 Method Not Allowed (${list}${wrong.length > 5 ? "; ..." : ""}).`,
          exchange: (lead ?? first).answer,
          headers: ["allow", "content-type"],
          body: true,
          subject: "no-405",
        }),
      );
    }
    const bare = notAllowed[0];
    if (bare) {
      findings.push(
        context.finding({
          severity: "low",
          title: "405 without an Allow header",
          detail:
            "RFC 9110 section 15.5.6: a 405 response must list the supported methods in Allow.",
          exchange: bare,
          headers: ["allow"],
          subject: "no-allow",
        }),
      );
    }
    if (conclusive === 0 && !trace.answered && findings.length === 0)
      return notTested("neither the TRACE nor the 405 probes got a conclusive answer");
    const gaps = [
      ...(all.length > probes.length
        ? [`${all.length - probes.length} paths beyond the first ${probes.length}`]
        : []),
      ...(conclusive < probes.length
        ? [`${probes.length - conclusive} paths answered 401/403/429 or 404 on an unknown object`]
        : []),
    ];
    return ran(
      findings,
      covered(conclusive, all.length, "paths", [...gaps, ...undescribed(context)]),
    );
  },
};

/** The probed URL is known to exist: its GET answered 2xx, or another method did not say 404. */
async function exists(context: CheckContext, probe: MethodProbe): Promise<boolean> {
  const seen = context.target.observed.find(
    (o) => o.exchange.url === probe.op.url && o.exchange.method === probe.op.method,
  )?.exchange;
  if (seen) return seen.status !== 404 && seen.status < 500;
  if (probe.op.method !== "GET") return false;
  const answer = await context.http.trySend({ url: probe.op.url });
  return answer !== undefined && answer.status >= 200 && answer.status < 300;
}

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
