import { OWN_RECORD_PATH } from "../../../vocabulary/names.js";
import {
  credentialHeaders,
  PASSWORD_FIELD,
  performLogin,
  USERNAME_FIELD,
} from "../../auth/login.js";
import { identitiesOf } from "../../identities.js";
import type { CheckContext, Exchange, ScanOperation } from "../../types.js";
import { disguisedBasicHeader } from "../auth/basic-auth.js";

/** The user name, email and password a sign-up body gave a new account. */
export interface NewAccount {
  readonly username?: string;
  readonly email?: string;
  readonly password: string;
}

/**
 * What a sign-up body says about the account it creates: its password and the names it can log
 * in with. Undefined when the body has no string password.
 *
 * @example
 * ```ts
 * accountOf({ user: { email: "a@example.com", password: "x" } }); // { email: "a@example.com", password: "x" }
 * ```
 */
export function accountOf(body: Readonly<Record<string, unknown>>): NewAccount | undefined {
  let username: string | undefined;
  let email: string | undefined;
  let password: string | undefined;
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== "object" || Array.isArray(value) || depth > 3) return;
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") {
        if (PASSWORD_FIELD.test(k)) password ??= v;
        else if (/e-?mail/i.test(k)) email ??= v;
        else if (USERNAME_FIELD.test(k)) username ??= v;
      } else visit(v, depth + 1);
    }
  };
  visit(body, 0);
  if (password === undefined) return undefined;
  return {
    password,
    ...(username !== undefined ? { username } : {}),
    ...(email !== undefined ? { email } : {}),
  };
}

/**
 * The headers that authenticate a just-created account the way the scan's own identities
 * authenticate: a configured credential header that is base64 of `user:password` (Basic under
 * another name) rebuilt for the new account, else the scan's login recipe replayed with the new
 * account's name and password. Undefined when neither works.
 */
export async function signInAs(
  context: CheckContext,
  account: NewAccount,
): Promise<Record<string, string> | undefined> {
  const { list } = await identitiesOf(context);
  const login = account.username ?? account.email;
  for (const identity of list) {
    const disguised = disguisedBasicHeader(identity.headers);
    if (!disguised || login === undefined) continue;
    const prefix = /^\s*[A-Za-z][\w-]*\s+(?=\S+$)/.exec(disguised.value)?.[0] ?? "";
    const encoded = Buffer.from(`${login}:${account.password}`).toString("base64");
    return { [disguised.name]: `${prefix}${encoded}` };
  }
  const recipe = context.target.auth?.recipe ?? context.config?.login;
  if (!recipe || recipe.grant) return undefined;
  // The login asks for the name it was configured with: an email when that was an email.
  const configured = recipe.body ?? recipe.form;
  const wantsEmail = JSON.stringify(configured ?? {}).includes("@");
  const username = wantsEmail
    ? (account.email ?? account.username)
    : (account.username ?? account.email);
  if (username === undefined) return undefined;
  const attempt = await performLogin(
    (request) => context.http.trySend({ ...request, anonymous: true }),
    recipe,
    { username, password: account.password },
  );
  return attempt.ok ? credentialHeaders(attempt.session) : undefined;
}

/**
 * Reads of the caller's own record (`GET /users/me`, `GET /user`), nearest the sign-up first:
 * the account a sign-up created is read back where its own collection shows it.
 */
export function ownRecordReads(
  operations: readonly ScanOperation[],
  signUp: ScanOperation,
): ScanOperation[] {
  const shared = (op: ScanOperation) => {
    const a = op.path.split("/");
    const b = signUp.path.split("/");
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  return operations
    .filter((o) => o.method === "GET" && !o.path.includes("{") && OWN_RECORD_PATH.test(o.path))
    .sort((x, y) => shared(y) - shared(x));
}

/** Own-record reads tried for one new account, at most. */
export const MAX_READ_BACKS = 2;

/**
 * The new account's own record, read with its own credentials (the first 2xx answer of the reads
 * nearest the sign-up), and the same read as the scan's own account for comparison: a value
 * every account has is the API's default, not what the sign-up bound.
 */
export async function readBack(
  context: CheckContext,
  signUp: ScanOperation,
  account: NewAccount,
): Promise<{ read: Exchange; control?: Exchange } | undefined> {
  const reads = ownRecordReads(context.target.operations, signUp).slice(0, MAX_READ_BACKS);
  if (reads.length === 0) return undefined;
  const headers = await signInAs(context, account);
  if (!headers) return undefined;
  for (const op of reads) {
    const read = await context.http.trySend({
      url: op.url,
      anonymous: true,
      headers: { accept: "application/json", ...headers },
    });
    if (!read || read.status < 200 || read.status >= 300) continue;
    const control = await context.http.trySend({
      url: op.url,
      headers: { accept: "application/json" },
    });
    return { read, ...(control ? { control } : {}) };
  }
  return undefined;
}
