import type { Finding } from "../../../core/finding.js";
import type { ScanCheck } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran } from "../outcome.js";
import { budgetReason, isBudgetSpent } from "../parsers/documents.js";
import {
  describeRequest,
  jsonBodyOperations,
  jsonRequest,
  keptFields,
  replaceStrings,
} from "./points.js";

/** What goes where a string is expected: a number, an object, an array. */
const CONFUSIONS: readonly unknown[] = [12345, { rampart: true }, ["rampart"]];

/**
 * IN-04, type confusion (CWE-20), `full` profile: a number, an object or an array in every
 * string field of a JSON body. A 500 where the example (or a random string) gets less means the
 * value reached code that trusted its type instead of a validator answering 400.
 */
export const typeConfusionCheck: ScanCheck = {
  id: "in-04-type-confusion",
  items: ["IN-04"],
  proves: [],
  severity: "low",
  intrusive: true,
  needs: ["operations"],
  title: "Wrong JSON types refused without a server error",
  async run(context) {
    const operations = jsonBodyOperations(context);
    if (operations.length === 0)
      return nothingOfTheKind(context, "no operation takes a JSON object with string fields");
    const findings: Finding[] = [];
    let tested = 0;
    for (const [index, { op, body }] of operations.entries()) {
      try {
        const control = await context.http.trySend(jsonRequest(op, body));
        if (!control || control.status >= 500 || [401, 403, 404, 405, 429].includes(control.status))
          continue;
        tested++;
        for (const confusion of CONFUSIONS) {
          const replaced = replaceStrings(body, () => confusion, keptFields(context, op));
          const request = jsonRequest(op, replaced);
          const answer = await context.http.trySend(request);
          if (!answer || answer.status < 500) continue;
          findings.push(
            context.finding({
              title: "Server error on a value of the wrong type",
              detail: `${op.method} ${op.path} answered ${answer.status} when its string fields held ${JSON.stringify(confusion)} (the example answered ${control.status}): the input reached code that assumed its type instead of being refused with 400.`,
              exchange: answer,
              body: true,
              evidence: { request: describeRequest(request, answer) },
              subject: "type-confusion",
            }),
          );
          break;
        }
      } catch (error) {
        if (!isBudgetSpent(error)) throw error;
        return notTested(budgetReason(index, operations.length, "operations"), findings);
      }
    }
    if (tested === 0) return notTested("no JSON operation answered its example body below 500");
    return ran(findings, covered(tested, operations.length, "operations"));
  },
};
