import type { Finding } from "../../../core/finding.js";
import { type Identity, identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import { delivers } from "./objects.js";

const ACCEPT = { accept: "application/json" };

/** The query parameter of a read that names a user: `?username=`, `?userId=`, `?owner=`. */
function userParam(op: ScanOperation, context: CheckContext): string | undefined {
  if (op.method !== "GET") return undefined;
  return op.parameters.find((p) => p.in === "query" && context.vocabulary.isUserRefName(p.name))
    ?.name;
}

/** The value an identity is named by in that parameter: its id for an id, else its user name. */
function valueFor(identity: Identity, param: string, context: CheckContext): string | undefined {
  return context.vocabulary.isUserIdName(param) ? identity.userId : identity.username;
}

function withQuery(op: ScanOperation, param: string, value: string): string {
  const url = new URL(op.url);
  url.searchParams.set(param, value);
  return url.href;
}

/**
 * PROC-02 through a query parameter (`GET /notes?username=alice`): the second identity asks with
 * the first one's name or id. Proven by the data, not the status: its answer is the first
 * identity's own answer, and that answer is not what the second identity gets for itself, so it
 * is the first user's data and not a public page.
 */
export const userQueryCheck: ScanCheck = {
  id: "proc-02-user-query",
  items: ["PROC-02"],
  proves: ["PROC-02"],
  severity: "high",
  intrusive: false,
  needs: ["operations"],
  title: "Users cannot read each other's data by naming them in the query",
  async run(context) {
    const operations = context.target.operations.filter((o) => userParam(o, context));
    if (operations.length === 0)
      return nothingOfTheKind(context, "no read names a user in its query (?username=, ?userId=)");
    const { list, problems } = await identitiesOf(context);
    const [a, b] = list;
    if (!a || !b) return notTested(problems.join("; ") || "needs two identities (scan.identities)");
    const findings: Finding[] = [];
    let tried = 0;
    for (const op of operations) {
      const param = userParam(op, context) as string;
      const mine = valueFor(a, param, context);
      const theirs = valueFor(b, param, context);
      if (mine === undefined || theirs === undefined) continue;
      const ask = (who: Identity, value: string) =>
        sendAs(context, who, { url: withQuery(op, param, value), headers: ACCEPT });
      const own = await ask(a, mine);
      const cross = await ask(b, mine);
      const control = await ask(b, theirs);
      if (own && cross && control) tried++;
      if (!readsData(own, context) || !readsData(cross, context) || !control) continue;
      // The same answer for everyone is a public page; the other user's own answer must differ.
      if (cross.body !== own.body || control.body === own.body) continue;
      findings.push(
        context.finding({
          title: "User reads another user's data through a query parameter (BOLA)",
          detail: `Identity "${b.name}" asked ${op.method} ${op.path} with ${param}=${mine} (the value of "${a.name}") and got exactly what "${a.name}" gets, which differs from its own answer for ${param}=${theirs}: the parameter is trusted instead of the caller's token.`,
          exchange: cross,
          body: true,
          subject: `${op.path}:${param}`,
        }),
      );
    }
    return ran(findings, covered(tried, operations.length, "operations", undescribed(context), 2));
  },
};

function readsData(exchange: Exchange | undefined, context: CheckContext): exchange is Exchange {
  return delivers(exchange, context.target.baseline) && exchange.body.length > 2;
}
