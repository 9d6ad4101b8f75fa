import type { Finding } from "../../../core/finding.js";
import type { Vocabulary } from "../../../vocabulary/vocabulary.js";
import { type Identity, identitiesOf, jsonObject, sendAs } from "../../identities.js";
import type { Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { disguisedBasicHeader } from "../auth/basic-auth.js";
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
    const name = a.username ?? disguisedBasicHeader(a.headers)?.user;
    if (a.userId === undefined && name === undefined)
      return notTested(
        `the id of "${a.name}" is unknown (no id claim in its token, no GET .../me, no login name): ${operations.length} operation${operations.length === 1 ? "" : "s"} reading a user record not tried`,
      );
    const read = (who: Identity | undefined, url: string) =>
      sendAs(context, who, { url, headers: { accept: "application/json" } });
    const recordOf = (e: Exchange | undefined) =>
      delivers(e, context.target.baseline) && e
        ? unwrapped(jsonObject(e.body) ?? {}).value
        : undefined;
    const namesA = (record: Record<string, unknown> | undefined) =>
      name !== undefined &&
      record !== undefined &&
      Object.values(record).some(
        (v) => typeof v === "string" && v.toLowerCase() === name.toLowerCase(),
      );
    const findings: Finding[] = [];
    let tried = 0;
    for (const op of operations) {
      // A's id in this collection: the token's (or /me's) when A reads its own record there,
      // else the first small id whose record names A (an API with one user table per area).
      let id = a.userId;
      if (
        name !== undefined &&
        (id === undefined || !namesA(recordOf(await read(a, withId(op, id)))))
      )
        id =
          (await walkFor(
            op,
            (url) => read(a, url),
            (e) => namesA(recordOf(e)),
          )) ?? a.userId;
      if (id === undefined) continue;
      const url = withId(op, id);
      const exchange = await read(b, url);
      if (exchange) tried++;
      const record = recordOf(exchange);
      if (!record || !exchange) continue;
      const own =
        ID_FIELDS.some((k) => record[k] !== undefined && String(record[k]) === id) ||
        namesA(record);
      const secrets = Object.keys(record).filter(
        (k) => context.vocabulary.isPrivateField(k) && record[k] !== null && record[k] !== "",
      );
      if (!own) continue;
      if (secrets.length > 0) {
        findings.push(
          context.finding({
            title: "User reads another user's account record (BOLA)",
            detail: `Identity "${b.name}" asked ${op.method} ${op.path} for the id of "${a.name}" (${id}) and got that record, with ${secrets.join(", ")}: the id in the path is trusted instead of the caller's token.`,
            exchange,
            body: true,
            subject: `${op.path}:record`,
          }),
        );
        continue;
      }
      // No private member: still a breach when the API keeps the record from anonymous callers
      // (it is not a public profile) yet hands it to any other signed-in user.
      const anonymous = await read(undefined, url);
      if (!namesA(record) || !anonymous || (anonymous.status !== 401 && anonymous.status !== 403))
        continue;
      findings.push(
        context.finding({
          confidence: "medium",
          title: "User reads another user's account record (BOLA)",
          detail: `Identity "${b.name}" asked ${op.method} ${op.path} for the id of "${a.name}" (${id}) and got that record (it names "${name}"), which the API refuses without credentials (${anonymous.status}): the id in the path is trusted instead of the caller's token.`,
          exchange,
          body: true,
          subject: `${op.path}:record`,
        }),
      );
    }
    return ran(findings, covered(tried, operations.length, "operations", undescribed(context), 2));
  },
};

/** Small ids walked to find the caller's own record in a collection, at most. */
export const MAX_OWN_ID_WALK = 10;

/** The first id from 1 up whose answer `mine` accepts, within {@link MAX_OWN_ID_WALK}. */
async function walkFor(
  op: ScanOperation,
  read: (url: string) => Promise<Exchange | undefined>,
  mine: (e: Exchange | undefined) => boolean,
): Promise<string | undefined> {
  for (let n = 1; n <= MAX_OWN_ID_WALK; n++) {
    const answer = await read(withId(op, String(n)));
    if (!answer) return undefined;
    if (mine(answer)) return String(n);
  }
  return undefined;
}
