import type { Finding } from "../../../core/finding.js";
import { identitiesOf, jsonObject, sendAs } from "../../identities.js";
import type { ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import { delivers, unwrapped } from "./objects.js";
import { USER_PARAM, USER_SEGMENT, withSegment } from "./user-id-in-path.js";

/** Members of a user record that are the user's own business, not a public profile's. */
const PRIVATE_FIELD =
  /^(e-?mail|email_?address|pass(word)?|password_?hash|hash|phone|mobile|address|ssn|birth_?date|dob|salary|card_?number|iban|balance|secret|otp)$/i;

/** Members that carry a record's own id. */
const ID_FIELDS = ["id", "_id", "user_id", "userId", "uid"] as const;

/** `GET /users/{id}`: a user (account, customer, member) addressed by its id. */
function userRecord(op: ScanOperation): boolean {
  if (op.method !== "GET") return false;
  const segments = op.path.replace(/\/+$/, "").split("/");
  const last = segments.at(-1) ?? "";
  if (!/^\{[^}]+\}$/.test(last)) return false;
  return USER_PARAM.test(last) || USER_SEGMENT.test(segments.at(-2) ?? "");
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
    const operations = context.target.operations.filter(userRecord);
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
        (k) => PRIVATE_FIELD.test(k) && record[k] !== null && record[k] !== "",
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
