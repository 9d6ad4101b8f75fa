import type { Finding } from "../../../core/finding.js";
import { escapeRegExp } from "../../../core/regexp.js";
import { parseJson } from "../../discovery.js";
import type { Exchange, ExchangeMeta, PassiveProblem, ScanCheck } from "../../types.js";
import { covered, notTested, ran } from "../outcome.js";

/** Keys whose integer values identify objects: `id`, `_id`, `userId`, `order_id`. */
const ID_KEY = /^(id|_id|[a-z][a-z0-9]*[_-]?id)$/i;
/** Integers this small are counted, not drawn at random. */
const SMALL = 1_000_000_000;

/** The integer ids of a JSON answer, by key, a few levels down. */
function integerIds(json: unknown): Map<string, number[]> {
  const ids = new Map<string, number[]>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 4) return;
    if (Array.isArray(value)) for (const v of value.slice(0, 100)) visit(v, depth + 1);
    else if (value !== null && typeof value === "object")
      for (const [k, v] of Object.entries(value)) {
        if (
          ID_KEY.test(k) &&
          typeof v === "number" &&
          Number.isSafeInteger(v) &&
          v > 0 &&
          v < SMALL
        )
          ids.set(k, [...(ids.get(k) ?? []), v]);
        else visit(v, depth + 1);
      }
  };
  visit(json, 0);
  return ids;
}

/** True when sorted distinct values mostly step by one (1, 2, 3, 5, 6). */
export function mostlySequential(values: readonly number[]): boolean {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length < 3) return false;
  let steps = 0;
  for (let i = 1; i < sorted.length; i++)
    if ((sorted[i] as number) - (sorted[i - 1] as number) === 1) steps++;
  return steps * 2 >= sorted.length - 1;
}

/** An object read by an integer in its path (`GET /users/6` answered 2xx). */
function addressedByInteger(e: Exchange, meta: ExchangeMeta): string | undefined {
  if (e.status < 200 || e.status >= 300) return undefined;
  const template = meta.operation.slice(meta.operation.indexOf(" ") + 1).split("/");
  const concrete = new URL(e.url).pathname.split("/");
  const offset = concrete.length - template.length;
  for (const [i, segment] of template.entries()) {
    if (!segment.startsWith("{")) continue;
    const value = concrete[i + offset] ?? "";
    if (/^\d{1,9}$/.test(value) && Number(value) > 0) return value;
  }
  return undefined;
}

/**
 * PROC-03, passively on every answer: objects addressed by small integers. An integer id in a
 * path that was answered with the object, or integer ids in a list whose objects an operation
 * addresses one parameter below it. Sequential values say so. A hint: it finds guessable ids
 * where the scan met them, and cannot prove the others random.
 */
export const integerIdsCheck: ScanCheck = {
  id: "proc-03-integer-ids",
  items: ["PROC-03"],
  proves: [],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "Objects not addressed by small integers",
  examines: (e) => e.status >= 200 && e.status < 300,
  inspect: (e, meta): PassiveProblem[] => {
    const problems: PassiveProblem[] = [];
    const addressed = addressedByInteger(e, meta);
    if (addressed)
      problems.push({
        subject: "path",
        finding: {
          title: "Object addressed by an integer id",
          detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status}: the object is read by the integer ${addressed} in its path, and the next one is a count away.`,
        },
      });
    const json = parseJson(e.body);
    if (json === undefined) return problems;
    for (const [key, values] of integerIds(json)) {
      const sequential = mostlySequential(values);
      problems.push({
        subject: `json-${key}`,
        finding: {
          title: sequential ? "Sequential integer ids" : "Integer ids",
          detail: `${e.method} ${new URL(e.url).pathname} returns ${sequential ? "sequential " : ""}integer values in "${key}" (${[...new Set(values)].slice(0, 5).join(", ")}).`,
          body: true,
        },
      });
    }
    return problems;
  },
  async run(context) {
    const record = context.passive;
    if (!record || record.responses === 0) return notTested("no successful answer was read");
    // Integer values in a list matter when the API addresses those objects by them: an operation
    // one parameter below the list (`/articles/{slug}/comments` and `.../comments/{id}`).
    const addressed = (operation: string) => {
      const list = operation.slice(operation.indexOf(" ") + 1).replace(/\/+$/, "");
      return context.target.operations.some((op) => op.path.startsWith(`${list}/{`));
    };
    // ... and when the API reads one by an integer, only if it answers that read: an API that
    // lists a counter `id` but addresses objects by a random `documentId` answers GET
    // /articles/5 with 404, and its integers are not guessable ids. Operations that only write
    // (DELETE .../comments/{id}) are taken at the document's word.
    const answers = new Map<string, Promise<boolean>>();
    const answersByInteger = (hit: (typeof record.hits)[number]): Promise<boolean> => {
      const list = hit.operation.slice(hit.operation.indexOf(" ") + 1).replace(/\/+$/, "");
      const readable = context.target.operations.some(
        (op) =>
          op.method === "GET" && new RegExp(`^${escapeRegExp(list)}/\\{[^}/]+\\}$`).test(op.path),
      );
      if (!readable) return Promise.resolve(true);
      const key = hit.problem.subject.slice("json-".length);
      const value = integerIds(parseJson(hit.exchange.body)).get(key)?.[0];
      if (value === undefined) return Promise.resolve(false);
      const url = new URL(hit.exchange.url);
      url.search = "";
      url.pathname = `${url.pathname.replace(/\/+$/, "")}/${value}`;
      let known = answers.get(url.href);
      if (!known) {
        known = context.http
          .trySend({ url: url.href })
          .then((e) => e === undefined || ![400, 404, 410, 422].includes(e.status));
        answers.set(url.href, known);
      }
      return known;
    };
    const findings: Finding[] = [];
    for (const hit of record.hits) {
      if (hit.problem.subject !== "path" && !addressed(hit.operation)) continue;
      if (hit.problem.subject !== "path" && !(await answersByInteger(hit))) continue;
      findings.push(
        context.finding({
          ...hit.problem.finding,
          exchange: hit.exchange,
          subject: `${hit.operation} ${hit.problem.subject}`,
        }),
      );
      if (findings.length >= 10) break;
    }
    return ran(
      findings,
      covered(record.examined.size, record.examined.size, "operations", [
        "only the answers the scan met were read",
      ]),
    );
  },
};
