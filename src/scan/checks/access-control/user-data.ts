import type { Finding } from "../../../core/finding.js";
import type { Vocabulary } from "../../../vocabulary/vocabulary.js";
import { parseJson } from "../../discovery.js";
import { identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, ran, undescribed } from "../outcome.js";
import { anonymousGet, delivers } from "./objects.js";

const ACCEPT = { accept: "application/json" };
const ID_MEMBER = /^(?:_?id|uuid|user_?id|userId|uid|username|user_?name|login)$/i;

/** A user's account record: an id or user name, and private members with values. */
function privateMembers(
  record: Readonly<Record<string, unknown>>,
  vocabulary: Vocabulary,
): string[] {
  if (!Object.keys(record).some((k) => ID_MEMBER.test(k))) return [];
  return Object.keys(record).filter((k) => {
    const value = record[k];
    return (
      vocabulary.isPrivateField(k) && value !== null && value !== "" && typeof value !== "object"
    );
  });
}

/** The account records anywhere in a JSON answer (a list, a page, a wrapper), at most 3 deep. */
function userRecords(
  body: unknown,
  vocabulary: Vocabulary,
  depth = 0,
): { record: Record<string, unknown>; members: string[] }[] {
  if (depth > 3 || body === null || typeof body !== "object") return [];
  if (Array.isArray(body)) return body.flatMap((v) => userRecords(v, vocabulary, depth + 1));
  const record = body as Record<string, unknown>;
  const members = privateMembers(record, vocabulary);
  const own = members.length > 0 ? [{ record, members }] : [];
  return [...own, ...Object.values(record).flatMap((v) => userRecords(v, vocabulary, depth + 1))];
}

/**
 * How many users the records are about, by their id, user name or email: one customer's orders
 * (each with the same email and address) are one user's data, not a listing of users.
 */
function distinct(records: readonly { record: Record<string, unknown> }[]): number {
  const who = (record: Record<string, unknown>) =>
    Object.entries(record)
      .filter(([k]) =>
        /^(?:user_?id|userId|uid|username|user_?name|login|e-?mail|email_?address)$/i.test(k),
      )
      .map(([, v]) => String(v))
      .join("|");
  return new Set(records.map(({ record }) => who(record)).filter((w) => w !== "")).size;
}

/**
 * The records are users' accounts, not other things with a phone or an address (a shop's
 * branches): the path names users or an admin area, or the records carry a credential.
 */
function accounts(
  op: ScanOperation,
  records: readonly { members: string[] }[],
  vocabulary: Vocabulary,
): boolean {
  const segments = op.path.split("/").filter((s) => s !== "" && !s.startsWith("{"));
  if (segments.some((s) => vocabulary.isUserSegment(s) || vocabulary.isAdminSegment(s)))
    return true;
  return records.some((r) => r.members.some((m) => vocabulary.isSecretName(m)));
}

/**
 * PROC-01, judged by the data: users' private account data (emails, password hashes, phone
 * numbers...) given to a caller without credentials, or a listing of several users' private
 * records given to an ordinary identity (an administrator's function, OWASP API5:2023), on any
 * readable operation, whatever its path is called. A hint only: it can find PROC-01 failing,
 * never pass it (missing-auth judges the rest).
 */
export const userDataCheck: ScanCheck = {
  id: "proc-01-user-data",
  items: ["PROC-01"],
  proves: [],
  severity: "high",
  intrusive: false,
  needs: ["operations"],
  title: "Users' private data needs the right caller",
  async run(context) {
    const gets = context.target.operations.filter((o) => o.method === "GET");
    if (gets.length === 0) return nothingOfTheKind(context, "no readable operation");
    const { list } = await identitiesOf(context);
    const ordinary = list.find((i) => !i.admin);
    const findings: Finding[] = [];
    let tried = 0;
    for (const op of gets) {
      const anonymous = await anonymousGet(context, op.url);
      if (anonymous) tried++;
      const leaked = readable(context, anonymous);
      if (anonymous && leaked.length > 0 && accounts(op, leaked, context.vocabulary)) {
        findings.push(anonymousLeak(context, op, anonymous, leaked));
        continue;
      }
      if (!ordinary) continue;
      const asUser = await sendAs(context, ordinary, { url: op.url, headers: ACCEPT });
      const listed = readable(context, asUser);
      const members = [...new Set(listed.flatMap((r) => r.members))];
      // Members see each other's names and emails in many products (a team directory): only
      // personal data no directory shows (an address, a phone number, a birth date) makes the
      // listing itself the leak. A password hash in it is OUT-06's finding (a secret in a
      // response), whoever may list the users.
      const beyondDirectory = members.filter(
        (m) => !/e-?mail/i.test(m) && !context.vocabulary.isSecretName(m) && !/hash/i.test(m),
      );
      if (!asUser || distinct(listed) < 2 || beyondDirectory.length === 0) continue;
      if (!accounts(op, listed, context.vocabulary)) continue;
      findings.push(
        context.finding({
          title: "Ordinary user lists other users' private records",
          detail: `GET ${op.path} gave identity "${ordinary.name}" (not an admin) ${distinct(listed)} users' records with ${members.join(", ")}: listing other users' accounts is an administrator's function, and it is not restricted.`,
          exchange: asUser,
          body: true,
          subject: `${op.path}:listing`,
        }),
      );
    }
    return ran(
      findings,
      covered(tried, gets.length, "operations", [
        ...(ordinary
          ? []
          : ["no ordinary identity (scan.identities): listings not tried as a user"]),
        ...undescribed(context),
      ]),
    );
  },
};

function readable(
  context: CheckContext,
  exchange: Exchange | undefined,
): { record: Record<string, unknown>; members: string[] }[] {
  if (!delivers(exchange, context.target.baseline)) return [];
  return userRecords(parseJson(exchange.body), context.vocabulary);
}

function anonymousLeak(
  context: CheckContext,
  op: ScanOperation,
  exchange: Exchange,
  leaked: readonly { members: string[] }[],
): Finding {
  const members = [...new Set(leaked.flatMap((r) => r.members))];
  return context.finding({
    title: "Users' private data answered without credentials",
    detail: `GET ${op.path} answered ${exchange.status} to a request without any credentials with ${leaked.length === 1 ? "a user's record" : `${leaked.length} users' records`} holding ${members.join(", ")}.`,
    exchange,
    body: true,
    subject: `${op.path}:anonymous-data`,
  });
}
