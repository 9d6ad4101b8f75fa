import { randomBytes } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import { pageForms } from "../../html.js";
import { type Identity, identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";

/** Fields that name the record a form edits: `id`, `user_id`, `accountId`... */
const ID_FIELD = /^(?:_?id|uid|(?:user|account|member|profile|customer)_?id)$/i;

/** Harmless text fields to carry the marker, in order of preference. */
const MARK_FIELDS = [
  "name",
  "fullname",
  "full_name",
  "fullName",
  "displayname",
  "display_name",
  "displayName",
  "nickname",
  "bio",
  "firstname",
  "first_name",
  "firstName",
  "lastname",
  "last_name",
  "lastName",
];

type Fields = Readonly<Record<string, string>>;

/** A form of the API that edits a record named by an id field, and the page that shows it. */
interface EditForm {
  readonly op: ScanOperation;
  readonly page: string;
  readonly idField: string;
  readonly markField: string;
}

const HTML_ACCEPT = { accept: "text/html, application/xhtml+xml, */*" };

function decodeEntities(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The fields of the page's form that posts to `path`, with their values, or undefined. */
function formOn(html: string, page: string, path: string): Fields | undefined {
  const form = pageForms(html, page).find((f) => f.method === "POST" && f.url.pathname === path);
  return form
    ? Object.fromEntries(
        form.fields.map((f) => [decodeEntities(f.name), decodeEntities(f.value ?? "")]),
      )
    : undefined;
}

/** Edit forms met during the scan: a POST form with an id field and a text field to mark. */
function editForms(context: CheckContext): EditForm[] {
  const forms: EditForm[] = [];
  for (const op of context.target.operations) {
    if (op.method !== "POST" || !op.exampleForm) continue;
    const path = new URL(op.url).pathname;
    const idField = Object.keys(op.exampleForm).find((f) => ID_FIELD.test(f));
    const markField = MARK_FIELDS.find((f) => op.exampleForm && f in op.exampleForm);
    if (!idField || !markField) continue;
    const page = context.target.observed
      .map((o) => o.exchange)
      .find(
        (e) =>
          e.method === "GET" &&
          e.status === 200 &&
          /html/i.test(e.headers["content-type"] ?? "") &&
          formOn(e.body, e.url, path) !== undefined,
      );
    if (page) forms.push({ op, page: page.url, idField, markField });
  }
  return forms;
}

/** The form as one identity is shown it (its own record's values), with the page's exchange. */
async function formAs(
  context: CheckContext,
  who: Identity,
  form: EditForm,
): Promise<{ fields: Fields; page: Exchange } | undefined> {
  const page = await sendAs(context, who, { url: form.page, headers: HTML_ACCEPT });
  if (page?.status !== 200) return undefined;
  const fields = formOn(page.body, page.url, new URL(form.op.url).pathname);
  return fields ? { fields, page } : undefined;
}

function submit(
  context: CheckContext,
  who: Identity,
  form: EditForm,
  fields: Fields,
): Promise<Exchange | undefined> {
  return sendAs(context, who, {
    method: "POST",
    url: form.op.url,
    headers: { ...HTML_ACCEPT, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

/**
 * PROC-02 through an id in a form body (`POST /profile/edit` with `id=3`): each identity reads
 * the edit form it is shown, then A submits its own form with B's id and a marker in a name
 * field. B's form showing the marker proves that the server took the record from the body
 * instead of the session (OWASP API1:2023, CWE-639). Each changed record is put back by its
 * own user with the values its form showed before.
 */
export const formIdCheck: ScanCheck = {
  id: "proc-02-form-id",
  items: ["PROC-02"],
  proves: [],
  severity: "high",
  intrusive: true,
  runs: "first",
  needs: [],
  title: "An edit form changes only the caller's own record, whatever id it posts",
  async run(context) {
    const forms = editForms(context);
    if (forms.length === 0) return nothingOfTheKind(context, "no edit form with an id field");
    const { list, problems } = await identitiesOf(context);
    const [a, b] = list;
    if (!a || !b) return notTested(problems.join("; ") || "needs two identities (scan.identities)");
    const findings: Finding[] = [];
    let tried = 0;
    for (const form of forms) {
      const [shownA, shownB] = await Promise.all([
        formAs(context, a, form),
        formAs(context, b, form),
      ]);
      const mine = shownA?.fields;
      const theirs = shownB?.fields;
      const id = { a: mine?.[form.idField], b: theirs?.[form.idField] };
      if (!mine || !theirs || !id.a || !id.b || id.a === id.b) continue;
      if (mine[form.markField] === undefined || theirs[form.markField] === undefined) continue;
      tried++;
      const marker = `Rampart ${randomBytes(4).toString("hex")}`;
      const sent = await submit(context, a, form, {
        ...mine,
        [form.idField]: id.b,
        [form.markField]: marker,
      });
      const [afterA, afterB] = await Promise.all([
        formAs(context, a, form),
        formAs(context, b, form),
      ]);
      if (afterB && afterB.fields[form.markField] === marker) {
        await submit(context, b, form, theirs);
        findings.push(
          context.finding({
            title: "User edits another user's record through the id in a form (BOLA)",
            detail: `Identity "${a.name}" submitted ${form.op.method} ${form.op.path} with ${form.idField}=${id.b} (the id in "${b.name}"'s own form) and "${marker}" in ${form.markField}, and "${b.name}"'s form then showed that value: the server takes the record from the body, not from the session. The record was put back.`,
            exchange: afterB.page,
            body: true,
            evidence: {
              note: `${form.markField} of "${b.name}" before: "${theirs[form.markField]}"; ${form.op.method} ${form.op.path} sent by "${a.name}" with ${form.idField}=${id.b}: ${sent?.status ?? "no answer"}`,
            },
            subject: `${form.op.path}:${form.idField}`,
          }),
        );
      }
      if (afterA?.fields[form.markField] === marker) await submit(context, a, form, mine);
    }
    return ran(findings, covered(tried, forms.length, "forms", undescribed(context), 2));
  },
};
