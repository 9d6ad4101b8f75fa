import { randomBytes } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import type { Vocabulary } from "../../../vocabulary/vocabulary.js";
import { PASSWORD_FIELD, USERNAME_FIELD } from "../../auth/login.js";
import { jsonObject, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanOperation } from "../../types.js";
import { collectionsOf, createdId, itemUrl } from "../access-control/objects.js";
import { replaceStrings } from "../injection/points.js";
import { accountOf, readBack } from "./new-account.js";
import { bindings, type Privileged, privilegedFor } from "./privileged.js";

const JSON_HEADERS = { accept: "application/json", "content-type": "application/json" };

/** The object of a JSON body that holds the password: the body or a wrapper's member. */
function passwordHolder(
  body: Record<string, unknown>,
  depth = 0,
): Record<string, unknown> | undefined {
  if (Object.keys(body).some((k) => PASSWORD_FIELD.test(k))) return body;
  if (depth > 2) return undefined;
  for (const value of Object.values(body))
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const found = passwordHolder(value as Record<string, unknown>, depth + 1);
      if (found) return found;
    }
  return undefined;
}

function exampleOf(op: ScanOperation): Record<string, unknown> | undefined {
  return jsonObject(op.fullExampleBody ?? op.exampleBody ?? "");
}

/**
 * Sign-up operations: a POST without path parameters on a registration path (`/register`,
 * `/users`) whose JSON example has a password.
 *
 * @example
 * ```ts
 * registrationsOf(context.target.operations, context.vocabulary); // [POST /api/users]
 * ```
 */
export function registrationsOf(
  operations: readonly ScanOperation[],
  vocabulary: Vocabulary,
): ScanOperation[] {
  return operations.filter((op) => {
    if (op.method !== "POST" || op.path.includes("{")) return false;
    if (!vocabulary.isRegistrationPath(op.path) || !op.bodyTypes.some((t) => /json/i.test(t)))
      return false;
    const example = exampleOf(op);
    return example !== undefined && passwordHolder(example) !== undefined;
  });
}

/** A copy of the example for an account nobody has: unique user name and email, a strong password. */
function freshAccount(example: Record<string, unknown>, suffix: string): Record<string, unknown> {
  return replaceStrings(example, (key, current) => {
    if (/e-?mail/i.test(key)) return `rampart-${suffix}@example.com`;
    if (PASSWORD_FIELD.test(key)) return `Rp-${suffix}-9x!Q`;
    if (USERNAME_FIELD.test(key) || /name$/i.test(key)) return `rampart${suffix}`;
    return current;
  });
}

/**
 * EXT-05 on sign-up: registers a fresh throw-away account with the privileged members added
 * (all at once, then one by one when the API refuses unknown members), anonymously. A member
 * that the created account carries with the sent value (in the answer, or read back) was bound.
 * The account is deleted when the API documents how; otherwise the finding names it.
 */
export async function probeRegistration(
  context: CheckContext,
  op: ScanOperation,
): Promise<{ finding?: Finding; conclusive: boolean }> {
  const example = exampleOf(op);
  const holder = example ? passwordHolder(example) : undefined;
  if (!example || !holder) return { conclusive: false };
  const privileged = privilegedFor(holder, context.vocabulary);
  const register = async (fields: readonly Privileged[]) => {
    const suffix = randomBytes(4).toString("hex");
    const body = freshAccount(example, suffix);
    const target = passwordHolder(body) ?? body;
    for (const { field, value } of fields) target[field] = value;
    const exchange = await sendAs(context, undefined, {
      method: "POST",
      url: op.url,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    return { exchange, body, fields, bound: exchange ? bindings(exchange, fields) : [] };
  };
  let attempt = await register(privileged);
  if (attempt.bound.length === 0 && rejected(attempt.exchange)) {
    // Some APIs refuse unknown members as a whole: each member alone, until one binds.
    for (const one of privileged) {
      attempt = await register([one]);
      if (attempt.bound.length > 0) break;
    }
  }
  const { exchange, body, fields } = attempt;
  let { bound } = attempt;
  if (!exchange) return { conclusive: false };
  const created = exchange.status >= 200 && exchange.status < 300;
  // The answer may show only what the client may see: the account's own record, read with its
  // own credentials, shows what was stored.
  let evidence = exchange;
  if (bound.length === 0 && created) {
    const account = accountOf(body);
    const back = account ? await readBack(context, op, account) : undefined;
    if (back) {
      const { read, control } = back;
      bound = bindings(read, fields).filter(
        (f) => !control || bindings(control, fields).indexOf(f) < 0,
      );
      if (bound.length > 0) evidence = read;
    }
  }
  if (bound.length === 0) return { conclusive: created || rejected(exchange) };
  const removed = await removeAccount(context, op, exchange);
  const where =
    evidence === exchange
      ? "the created account came back with"
      : `the account's own record (GET ${new URL(evidence.url).pathname}, read with its own credentials) shows`;
  return {
    conclusive: true,
    finding: context.finding({
      title: `Privileged field "${bound[0]}" mass-assigned on registration`,
      detail: `POST ${op.path} signed up a new account with ${bound.map((f) => `"${f}"`).join(", ")} set by the client, and ${where} ${bound.length === 1 ? "it" : "them"}: anyone can register with the privileges they choose. ${removed ? "The test account was deleted." : "The throw-away test account (user name and email starting with rampart) could not be deleted: remove it."}`,
      exchange: evidence,
      body: true,
      subject: `${op.path}:register`,
    }),
  };
}

function rejected(exchange: Exchange | undefined): boolean {
  return exchange !== undefined && (exchange.status === 400 || exchange.status === 422);
}

/** Deletes the created account through the collection's item DELETE, as the scan's identity. */
async function removeAccount(
  context: CheckContext,
  op: ScanOperation,
  exchange: Exchange,
): Promise<boolean> {
  const collection = collectionsOf(context.target.operations).find(
    (c) => c.list.path === op.path && c.item.some((o) => o.method === "DELETE"),
  );
  const id = createdId(exchange, collection?.param);
  if (!collection || id === undefined) return false;
  const deleted = await context.http.trySend({
    method: "DELETE",
    url: itemUrl(collection, id),
    headers: { accept: "application/json" },
  });
  return deleted !== undefined && deleted.status >= 200 && deleted.status < 300;
}
