import { randomBytes } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import { redactUrl } from "../../../core/redact.js";
import { securitySchemes } from "../../../openapi/security-schemes.js";
import { type LoginAttempt, PASSWORD_FIELD, performLogin } from "../../auth/login.js";
import type { LoginRecipe } from "../../auth/schema.js";
import { identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanRequest } from "../../types.js";
import { protectedReads } from "../access-control/objects.js";
import { covered, ran } from "../outcome.js";

/**
 * IN-05: credentials never travel in URLs (they end up in logs, history and Referer). Three
 * sources: the document (API keys declared `in: query`, sensitively named query parameters),
 * URLs seen during the scan (links, redirects), and the API itself: with credentials
 * configured, the same token sent as `?access_token=` / `?api_key=` instead of a header.
 */
export const credentialsInUrlCheck: ScanCheck = {
  id: "in-05-credentials-in-url",
  items: ["IN-05"],
  proves: ["IN-05"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "No credentials in URLs",
  async run(context) {
    const live = await acceptedFindings(context);
    const gaps = live.tried
      ? []
      : [
          "the API was not asked to take a credential in the query string (needs credentials and a protected operation that answers them)",
        ];
    const login = await loginInQuery(context);
    return ran(
      [
        ...documentFindings(context, live.refused),
        ...observedFindings(context),
        ...live.findings,
        ...(login ? [login] : []),
      ],
      covered(live.tried ? 1 : 0, 1, "live probes", gaps),
    );
  },
};

/**
 * Whether the scan's login reads credentials from the query string, without ever putting the
 * real password in a URL (where the server's logs keep it): the username with a wrong password
 * in the query and an empty body must be answered like the same wrong password in the body, and
 * unlike an empty login. Only in the full profile, and only when that comparison cannot tell
 * (a login that answers every failure alike), is the real password tried in the query.
 */
async function loginInQuery(context: CheckContext): Promise<Finding | undefined> {
  const recipe = context.target.auth?.recipe;
  if (!recipe?.path || recipe.grant) return undefined;
  const fields = flatFields(recipe.form ?? recipe.body ?? {});
  if (Object.keys(fields).length === 0) return undefined;
  const send = (request: ScanRequest) => context.http.trySend({ ...request, anonymous: true });
  const inQuery = (values: Record<string, string>): LoginRecipe => ({
    path: `${recipe.path}${recipe.path?.includes("?") ? "&" : "?"}${new URLSearchParams(values)}`,
    form: {},
    ...(recipe.csrf ? { csrf: recipe.csrf } : {}),
    ...(recipe.token ? { token: recipe.token } : {}),
    ...(recipe.tokenField ? { tokenField: recipe.tokenField } : {}),
  });
  const wrong = `rampart-wrong-${randomBytes(6).toString("hex")}`;
  const withWrong = Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, PASSWORD_FIELD.test(k) ? wrong : v]),
  );
  const [query, body, empty] = await Promise.all([
    performLogin(send, inQuery(withWrong)),
    performLogin(send, recipe, { password: wrong }),
    performLogin(send, inQuery({})),
  ]);
  const answer = (a: LoginAttempt) => (a.ok ? a.session.exchange : a.exchange);
  const [q, b, e] = [answer(query), answer(body), answer(empty)];
  const names = Object.keys(fields)
    .map((k) => `${k}=[REDACTED]`)
    .join("&");
  const method = recipe.method ?? "POST";
  if (q && b && e && alike(q, b) && !alike(q, e))
    return context.finding({
      title: "Login reads the password from the query string",
      detail: `${method} ${recipe.path} with the username and a wrong password as query parameters and an empty body was refused exactly like the same wrong password in the body (${q.status}), and unlike an empty login (${e.status}): the login takes credentials from URLs, where logs, browser history and Referer headers keep them. (The real password was never sent in a URL.)`,
      exchange: q,
      headers: ["location", "content-type"],
      evidence: {
        request: `${method} ${recipe.path}?${names} HTTP/1.1 (empty body, a wrong password)`,
        note: `wrong password in the query: ${q.status}; in the body: ${b.status}; empty login: ${e.status}`,
      },
      subject: "login-query",
    });
  if (context.profile !== "full" || (q && e && !alike(q, e))) return undefined;
  const attempt = await performLogin(send, inQuery(fields));
  if (!attempt.ok) return undefined;
  return context.finding({
    title: "Login accepts the password in the query string",
    detail: `${method} ${recipe.path} with the username and password as query parameters and an empty body logged in: clients and links can put passwords in URLs, where logs, browser history and Referer headers keep them.`,
    exchange: attempt.session.exchange,
    headers: ["location", "content-type"],
    evidence: { request: `${method} ${recipe.path}?${names} HTTP/1.1 (empty body)` },
    subject: "login-query",
  });
}

/** Two answers alike: the same status, redirect target and body (up to its first 500 chars). */
function alike(a: Exchange, b: Exchange): boolean {
  const text = (e: Exchange) => e.body.replace(/\s+/g, " ").trim().slice(0, 500);
  return (
    a.status === b.status &&
    (a.headers.location ?? "") === (b.headers.location ?? "") &&
    text(a) === text(b)
  );
}

/** The string leaves of a login body by their own names (`user.email` becomes `email`). */
function flatFields(body: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (value: unknown, key: string) => {
    if (typeof value === "string") out[key] = value;
    else if (value && typeof value === "object" && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  for (const [k, v] of Object.entries(body)) visit(v, k);
  return out;
}

/**
 * Findings from the document. When the live API was probed and refused the credential in the
 * query string, the document says more than the API does (an outdated description, or a gateway
 * in front that refuses it): the document's findings stay, as info, for `rampart audit` to judge.
 */
function documentFindings(context: CheckContext, refused: string | undefined): Finding[] {
  const { document, operations } = context.target;
  if (!document) return [];
  const found = declaredFindings(context, document, operations);
  if (refused === undefined) return found;
  return found.map((f) => ({
    ...f,
    severity: "info" as const,
    detail: `${f.detail} The live API refuses credentials in the query string (${refused}): only the document says otherwise.`,
  }));
}

function declaredFindings(
  context: CheckContext,
  document: NonNullable<CheckContext["target"]["document"]>,
  operations: CheckContext["target"]["operations"],
): Finding[] {
  const findings: Finding[] = [];
  for (const { name, value: s } of securitySchemes(document)) {
    if (s.type === "apiKey" && s.in === "query") {
      findings.push(
        context.finding({
          title: "API key declared as a query parameter",
          detail: `The document's security scheme "${name}" sends the key as ?${String(s.name)}=, where it is written to access logs, browser history and Referer headers.`,
          evidence: {
            note: `securitySchemes.${name}: { type: apiKey, in: query, name: ${String(s.name)} }`,
          },
          url: context.target.documentSource ?? context.target.base.href,
          subject: `scheme-${name}`,
        }),
      );
    }
  }
  const seen = new Set<string>();
  for (const op of operations) {
    for (const param of op.queryParameters) {
      const value = op.parameters.find((p) => p.in === "query" && p.name === param)?.value;
      if (seen.has(param) || !isQueryCredential(param, op.path, value)) continue;
      seen.add(param);
      findings.push(
        context.finding({
          title: `Credential-like query parameter "${param}"`,
          detail: `${op.method} ${op.path} takes "${param}" in the query string; secrets in URLs end up in logs and history.`,
          evidence: { note: `query parameter ${param} of ${op.method} ${op.path}` },
          url: op.url,
          method: op.method,
          subject: `param-${param}`,
        }),
      );
    }
  }
  return findings;
}

/** Names that mean an API credential wherever they are (`access_token`, `api_key`, `password`). */
const CREDENTIAL_NAME =
  /^(?:x-)?(?:(?:access|auth|bearer|session|id|refresh)[-_]?token|jwt|api[-_]?key|apikey|authkey|auth(?:orization)?|(?:client|api|app)[-_]?secret|secret(?:[-_]?key)?|(?:access|private)[-_]?key|pass(?:word|wd)?|pwd|credentials?|session[-_]?id|sessionid)$/i;
/** Names that are credentials only when their value looks like one (`key`, `token`, `sig`). */
const AMBIGUOUS_NAME = /^(?:token|key|sid|session|sig|signature|code|otp|hash)$/i;
/** Links that must carry a single-use token in their URL: e-mail verification, resets, invites. */
const SINGLE_USE_LINK =
  /verif|confirm|activat|reset|unsubscrib|invit|magic|passwordless|one[-_]?time|download|share|signed/i;
/** A JWT, or a long random-looking string of letters and digits: what a key or token looks like. */
const CREDENTIAL_SHAPE =
  /^(?:eyJ[\w-]+\.[\w-]+\.[\w-]*|(?=[\w.~+/=-]*\d)(?=[\w.~+/=-]*[A-Za-z])[\w.~+/=-]{20,})$/;

/**
 * A query parameter is judged an API credential only when its name, its value's shape and its
 * place agree: `access_token` or `password` are credentials anywhere; `key`, `token`, `sig` only
 * with a key-shaped value and outside the links that must carry a single-use token (an e-mail
 * verification, a reset, a presigned download). An image preset `key=thumbnail` is not a
 * credential, nor is the token of a verification link.
 */
export function isQueryCredential(name: string, path: string, value?: string): boolean {
  if (CREDENTIAL_NAME.test(name)) return true;
  if (!AMBIGUOUS_NAME.test(name) || value === undefined) return false;
  return CREDENTIAL_SHAPE.test(value) && !SINGLE_USE_LINK.test(path);
}

function observedFindings(context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const urls = new Set(context.target.urls);
  for (const o of context.target.observed)
    if (o.exchange.headers.location) urls.add(o.exchange.headers.location);
  for (const raw of urls) {
    let url: URL;
    try {
      url = new URL(raw, context.target.base);
    } catch {
      continue;
    }
    const names = [...url.searchParams.entries()]
      .filter(([k, v]) => isQueryCredential(k, url.pathname, v))
      .map(([k]) => k);
    if (names.length === 0) continue;
    findings.push(
      context.finding({
        title: "Credentials in an observed URL",
        detail: `A URL the API hands out carries ${names.join(", ")} in its query string.`,
        evidence: { note: `URL: ${redactUrl(url.href)}` },
        url: url.href,
        subject: `observed-${names.join(",")}`,
      }),
    );
  }
  return findings;
}

/**
 * The live probe: `findings` when the API accepts a credential in the query string; `refused`
 * describes the answers when every form was tried and refused.
 */
async function acceptedFindings(
  context: CheckContext,
): Promise<{ findings: Finding[]; refused?: string; tried: boolean }> {
  const none = { findings: [], tried: false };
  const { target, http } = context;
  const header = target.observed.find((o) => o.authenticated && o.source === "operation")?.exchange
    .requestHeaders;
  const primary = target.auth?.token ?? /^Bearer\s+(\S+)$/i.exec(header?.authorization ?? "")?.[1];
  const apiKey = header?.["x-api-key"];
  // Without credentials of its own the scan asks as its first identity (a token it logged in for).
  const identity =
    primary || apiKey ? undefined : (await identitiesOf(context)).list.find((i) => i.token);
  const bearer = primary ?? identity?.token;
  if (!bearer && !apiKey) return none;
  // A read that answers the scan's credentials and refuses their absence: the header version
  // works there, so the query version can be compared. Documented protected reads first, then
  // any authenticated read the scan met (an API without a description).
  const reads = target.observed
    .filter(
      (o) =>
        o.authenticated &&
        o.source !== "login" &&
        o.exchange.method === "GET" &&
        o.exchange.status >= 200 &&
        o.exchange.status < 300,
    )
    .map((o) => o.exchange)
    .sort(
      (a, b) =>
        Number(!target.operations.some((op) => op.secured && op.url === a.url)) -
        Number(!target.operations.some((op) => op.secured && op.url === b.url)),
    );
  let working: Exchange | undefined;
  let without: Exchange | undefined;
  for (const read of reads.slice(0, 3)) {
    const answer = await http.trySend({ url: read.url, anonymous: true });
    if (answer && (answer.status === 401 || answer.status === 403)) {
      working = read;
      without = answer;
      break;
    }
  }
  // Then the operations that refuse an anonymous caller, asked with the credential (reads met
  // during discovery are often public ones, and crawled operations are not met there).
  if (!working) {
    const [read] = await protectedReads(
      context,
      (url) => (identity ? sendAs(context, identity, { url }) : http.trySend({ url })),
      { max: 1 },
    );
    working = read?.answer;
    without = read?.without;
  }
  if (!working || !without) return none;
  const findings: Finding[] = [];
  const refusals: string[] = [];
  const tries: [string, string | undefined][] = [
    ["access_token", bearer],
    ["api_key", apiKey ?? bearer],
  ];
  for (const [name, value] of tries) {
    if (!value) continue;
    const url = new URL(working.url);
    url.searchParams.set(name, value);
    const answer = await http.trySend({ url, anonymous: true });
    if (!answer) return { findings, tried: false };
    if (answer.status < 200 || answer.status >= 300) {
      refusals.push(`?${name}= answered ${answer.status}`);
      continue;
    }
    findings.push(
      context.finding({
        title: `Credentials accepted in the query string (?${name}=)`,
        detail: `Without credentials ${new URL(working.url).pathname} answers ${without.status}; with the same credential as ?${name}= it answers ${answer.status}: clients may put secrets in URLs, and they will.`,
        exchange: answer,
        headers: ["content-type"],
        evidence: {
          note: `without credentials: ${without.status}; with ?${name}=: ${answer.status}`,
        },
        subject: `accepted-${name}`,
      }),
    );
    break;
  }
  return findings.length > 0 || refusals.length === 0
    ? { findings, tried: true }
    : { findings, refused: refusals.join(", "), tried: true };
}
