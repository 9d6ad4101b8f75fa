import type { Finding } from "../../../core/finding.js";
import type { ScanCheck } from "../../types.js";
import { notApplicable, notTested, ran } from "../outcome.js";
import { budgetReason, isBudgetSpent, marker } from "../parsers/documents.js";
import { describePoint, describeRequest, injectionPoints, requestWith } from "./points.js";

/**
 * IN-04, reflected script (XSS, CWE-79), `full` profile: each query parameter gets a `<script>`
 * element with a random marker; an HTML answer that contains it unescaped runs it in the
 * victim's browser. JSON answers do not count: a browser does not run script in them.
 */
export const reflectedXssCheck: ScanCheck = {
  id: "in-04-reflected-xss",
  items: ["IN-04"],
  severity: "medium",
  intrusive: true,
  needs: ["operations"],
  title: "No script reflected unescaped in HTML",
  async run(context) {
    const points = injectionPoints(context, "query");
    if (points.length === 0) return notApplicable("no query parameter in the document");
    const findings: Finding[] = [];
    let answered = 0;
    for (const [index, point] of points.entries()) {
      const payload = `<script>rampart_${marker()}()</script>`;
      const request = requestWith(point, payload);
      let answer: Awaited<ReturnType<typeof context.http.trySend>>;
      try {
        answer = await context.http.trySend(request);
      } catch (error) {
        if (!isBudgetSpent(error)) throw error;
        return notTested(budgetReason(index, points.length, "parameters"), findings);
      }
      if (!answer) continue;
      answered++;
      if (!/^text\/html|^application\/xhtml\+xml/i.test(answer.headers["content-type"] ?? ""))
        continue;
      const at = answer.body.indexOf(payload);
      if (at < 0) continue;
      findings.push(
        context.finding({
          title: "Script reflected unescaped in an HTML page",
          detail: `The ${describePoint(point)} came back verbatim inside a ${answer.headers["content-type"]} answer: a link with script in it runs that script in the page, as the site, for whoever follows it.`,
          exchange: answer,
          headers: ["content-type", "content-security-policy"],
          evidence: {
            request: describeRequest(request, answer),
            body: answer.body.slice(Math.max(0, at - 80), at + payload.length + 40),
          },
          subject: `xss-${point.name}`,
        }),
      );
    }
    if (answered === 0) return notTested("no operation with query parameters answered");
    return ran(findings);
  },
};
