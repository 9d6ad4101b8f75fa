import type { Finding } from "../../../core/finding.js";
import { isErrorBody } from "../../responses.js";
import type { ScanCheck } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import { budgetReason, isBudgetSpent, marker } from "../parsers/documents.js";
import {
  describeRequest,
  jsonBodyOperations,
  jsonRequest,
  keptFields,
  replaceStrings,
} from "./points.js";

/** Query operators (MongoDB syntax) that match any stored value when taken as a condition. */
export const NOSQL_OPERATORS: readonly Readonly<Record<string, unknown>>[] = [
  { $ne: null },
  { $gt: "" },
];

const LOGIN_PATH = /login|signin|sign-in|token|auth|session/i;

/**
 * IN-04, NoSQL operator injection (CWE-943), `full` profile: every string field of a JSON body
 * replaced by an operator object. When the example values and random strings are refused
 * (4xx) but the operators are accepted (2xx), the body went into a query as a condition: a
 * login that succeeds with `{"$ne": null}` as its password is the classic case.
 */
export const nosqlInjectionCheck: ScanCheck = {
  id: "in-04-nosql-injection",
  items: ["IN-04"],
  proves: ["IN-04"],
  severity: "high",
  intrusive: true,
  needs: ["operations"],
  title: "No NoSQL operators accepted in place of strings",
  async run(context) {
    const operations = jsonBodyOperations(context);
    if (operations.length === 0)
      return nothingOfTheKind(context, "no operation takes a JSON object with string fields");
    const findings: Finding[] = [];
    let tested = 0;
    for (const [index, { op, body }] of operations.entries()) {
      try {
        const kept = keptFields(context, op);
        const replaced = (value: (key: string) => unknown) => replaceStrings(body, value, kept);
        const control = await context.http.trySend(
          jsonRequest(
            op,
            replaced((k) => `rampart-${k}-${marker()}`),
          ),
        );
        if (!control || control.status < 400 || control.status >= 500 || control.status === 429)
          continue;
        tested++;
        for (const operator of NOSQL_OPERATORS) {
          const request = jsonRequest(
            op,
            replaced(() => operator),
          );
          const answer = await context.http.trySend(request);
          if (!answer || answer.status < 200 || answer.status >= 300 || isErrorBody(answer.body))
            continue;
          findings.push(
            context.finding({
              title: `NoSQL operator ${Object.keys(operator)[0]} accepted in place of a string`,
              // A login let in is unambiguous; elsewhere the 2xx may be lax typing alone.
              confidence: LOGIN_PATH.test(op.path) ? "high" : "medium",
              detail: `${op.method} ${op.path} refused random strings (${control.status}) but accepted ${JSON.stringify(operator)} in every string field (${answer.status}): the fields reach the database as query conditions, which matches any stored value${LOGIN_PATH.test(op.path) ? ", here a login without a password" : ""}.`,
              exchange: answer,
              evidence: {
                request: describeRequest(request, answer),
                note: `random strings answered ${control.status}; the operators answered ${answer.status}`,
              },
              subject: "nosql",
            }),
          );
          break;
        }
      } catch (error) {
        if (!isBudgetSpent(error)) throw error;
        return notTested(budgetReason(index, operations.length, "operations"), findings);
      }
    }
    if (tested === 0)
      return notTested(
        "no JSON operation refused random values with a 4xx to compare against",
        findings,
      );
    const gaps =
      tested < operations.length
        ? [`${operations.length - tested} operations accepted random values (nothing to compare)`]
        : [];
    return ran(
      findings,
      covered(tested, operations.length, "operations", [...gaps, ...undescribed(context)]),
    );
  },
};
