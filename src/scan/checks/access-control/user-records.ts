import type { Finding } from "../../../core/finding.js";
import type { Vocabulary } from "../../../vocabulary/vocabulary.js";
import { identitiesOf, jsonObject, sendAs } from "../../identities.js";
import type { ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import { delivers, unwrapped } from "./objects.js";
import { isUserIdParam, withSegment } from "./user-id-in-path.js";

/** Members that carry a record's own id. */
const ID_FIELDS = ["id", "_id", "user_id", "userId", "uid"] as const;

/** `GET /users/{id}`: a user (account, customer, member) addressed by its id. */
function userRecord(op: ScanOperation, vocabulary: Vocabulary): boolean {
  if (op.method !== "GET") return false;
  const segments = op.path.replace(/\/+$/, "").split("/");
  return isUserIdParam(segments, segments.length - 1, vocabulary);
}

/** The URL of the operation with its last parameter (the record's id) set to `id`. */
function withId(op: ScanOperation, id: string): string {
  const template = op.path.split("/");
  return withSegment(
    op,
    template.findLastIndex((s) => /^\{[^}]+\}$/.test(s)),
    id,
  );
}

/**
 * PROC-02: one identity's user record, asked for by its id, read by another identity. Proven by
 * the data: the answer is the record with that id and holds private members (email, password
 * hash, phone...). A public profile (no private member) is not reported.
 */
export const userRecordsCheck: ScanCheck = {
  id: "proc-02-user-records",
  items: ["PROC-02"],
  proves: ["PROC-02"],
  severity: "high",
  intrusive: false,
  needs: ["operations"],
  title: "Users cannot read each other's account records",
  async run(context) {
    const operations = context.target.operations.filter((o) => userRecord(o, context.vocabulary));
    if (operations.length === 0)
      return nothingOfTheKind(context, "no operation reads a user record by its id");
    const { list, problems } = await identitiesOf(context);
    const [a, b] = list;
    if (!a || !b) return notTested(problems.join("; ") || "needs two identities (scan.identities)");
    if (a.userId === undefined)
      return notTested(
        `the id of "${a.name}" is unknown (no id claim in its token, no GET .../me): ${operations.length} operation${operations.length === 1 ? "" : "s"} reading a user record not tried`,
      );
    const findings: Finding[] = [];
    let tried = 0;
    for (const op of operations) {
      const url = withId(op, a.userId);
      const exchange = await sendAs(context, b, { url, headers: { accept: "application/json" } });
      if (exchange) tried++;
      if (!delivers(exchange, context.target.baseline)) continue;
      const record = unwrapped(jsonObject(exchange.body) ?? {}).value;
      const own = ID_FIELDS.some((k) => record[k] !== undefined && String(record[k]) === a.userId);
      const secrets = Object.keys(record).filter(
        (k) => context.vocabulary.isPrivateField(k) && record[k] !== null && record[k] !== "",
      );
      if (!own || secrets.length === 0) continue;
      findings.push(
        context.finding({
          title: "User reads another user's account record (BOLA)",
          detail: `Identity "${b.name}" asked ${op.method} ${op.path} for the id of "${a.name}" (${a.userId}) and got that record, with ${secrets.join(", ")}: the id in the path is trusted instead of the caller's token.`,
          exchange,
          body: true,
          subject: `${op.path}:record`,
        }),
      );
    }
    return ran(findings, covered(tried, operations.length, "operations", undescribed(context), 2));
  },
};
