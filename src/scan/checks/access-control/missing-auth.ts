import { randomUUID } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import { escapeRegExp } from "../../../core/regexp.js";
import { listOperations } from "../../../openapi/operations.js";
import { identitiesOf, sendAs } from "../../identities.js";
import { carrying } from "../../jwt/target.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, ran, undescribed } from "../outcome.js";
import { anonymousGet, delivers } from "./objects.js";
import { MALFORMED_TOKEN, realJwt, unsignedCopy } from "./tokens.js";

/** A 2xx that carries data rather than an error, a login page or a catch-all answer. */
function granted(exchange: Exchange | undefined, context: CheckContext): exchange is Exchange {
  return delivers(exchange, context.target.baseline);
}

const refused = (e: Exchange | undefined) =>
  e !== undefined && (e.status === 401 || e.status === 403);

/**
 * PROC-01: every readable operation replayed without credentials, with a malformed token and
 * with an unsigned copy of the real one; admin-looking operations tried as ordinary users
 * (BFLA) when identities are configured. Only GET operations are replayed: replaying a write
 * without credentials would change data on exactly the APIs that fail this check.
 */
export const missingAuthCheck: ScanCheck = {
  id: "proc-01-missing-auth",
  items: ["PROC-01"],
  proves: ["PROC-01"],
  severity: "high",
  intrusive: false,
  needs: ["operations"],
  title: "Every operation requires authentication",
  async run(context) {
    // Public on purpose: a stated reason (x-rampart-public), or an empty security requirement
    // (`{}`), which makes credentials optional (OpenAPI 3.1 4.8.10).
    const publicReasons = new Map(
      (context.target.document ? listOperations(context.target.document) : []).map((o) => [
        o.pointer,
        o.publicReason ??
          (o.security?.some((r) => Object.keys(r).length === 0) ? "optional security" : undefined),
      ]),
    );
    const gets = context.target.operations.filter((o) => o.method === "GET");
    const jwt = await realJwt(context);
    const findings: Finding[] = [];
    const anonymousByPath = new Map<string, Exchange | undefined>();
    await Promise.all(
      gets.map(async (op) => {
        const anonymous = await anonymousGet(context, op.url);
        anonymousByPath.set(op.path, anonymous);
        const isProtected = op.secured || refused(anonymous);
        if (granted(anonymous, context)) {
          const finding = anonymousFinding(context, op, anonymous, gets, publicReasons);
          if (finding) findings.push(finding);
          return;
        }
        if (!isProtected) return;
        const variants = [
          { name: "a malformed token", token: MALFORMED_TOKEN, severity: "high" as const },
          ...(jwt
            ? [
                {
                  name: "an unsigned token (alg none)",
                  token: unsignedCopy(jwt),
                  severity: "critical" as const,
                },
              ]
            : []),
        ];
        for (const variant of variants) {
          const exchange = await sendAs(context, undefined, {
            url: op.url,
            headers: { ...ACCEPT, ...carrying(context, variant.token) },
          });
          if (!granted(exchange, context)) continue;
          findings.push(
            context.finding({
              severity: variant.severity,
              title: `Protected operation accepts ${variant.name}`,
              detail: `GET ${op.path} answered ${exchange.status} to a request carrying ${variant.name} instead of 401: the credentials are not verified (RFC 6750 3.1).`,
              exchange,
              body: true,
              subject: `${op.path}:${variant.name}`,
            }),
          );
        }
      }),
    );
    findings.push(...(await bfla(context, gets, anonymousByPath)));
    // Writes: replayed without credentials in the full profile only (a vulnerable API would
    // carry them out), with the document's example values.
    const writes = context.target.operations.filter(
      (o) => o.method !== "GET" && o.method !== "HEAD" && o.method !== "OPTIONS" && o.secured,
    );
    const replayed = context.profile === "full" ? await anonymousWrites(context, writes) : [];
    findings.push(...replayed.flatMap((r) => (r.finding ? [r.finding] : [])));
    const conclusive = replayed.filter((r) => r.conclusive).length;
    const gaps = [
      ...(writes.length > 0 && context.profile !== "full"
        ? [`${writes.length} protected writes not tried without credentials (--profile full)`]
        : []),
      ...(replayed.length > conclusive
        ? [`${replayed.length - conclusive} protected writes answered neither 2xx nor 401 / 403`]
        : []),
    ];
    return ran(
      findings,
      covered(gets.length + conclusive, gets.length + writes.length, "operations", [
        ...gaps,
        ...undescribed(context),
      ]),
    );
  },
};

const ACCEPT = { accept: "application/json" };

/** The share of protected operations above which a document's protection is taken as blanket. */
export const BLANKET_SHARE = 0.8;

/**
 * Each write operation the document protects, sent without credentials in a shape that cannot
 * do harm: an empty JSON object as the body and a random id in every path parameter, so that
 * even an unprotected server has nothing to change. A success is a finding; 401 / 403 is
 * protection; anything else (400, 404...) cannot be told apart and stays uncovered.
 */
async function anonymousWrites(
  context: CheckContext,
  writes: readonly ScanOperation[],
): Promise<{ op: ScanOperation; conclusive: boolean; finding?: Finding }[]> {
  return Promise.all(
    writes
      .filter((op) => op.secured)
      .map(async (op) => {
        const id = randomUUID();
        const path = op.path.replace(/\{[^}]+\}/g, id);
        const json = op.bodyTypes.some((t) => /json/i.test(t));
        const exchange = await sendAs(context, undefined, {
          method: op.method,
          url: `${op.server}${path}`,
          headers: { ...ACCEPT, ...(json ? { "content-type": "application/json" } : {}) },
          ...(json ? { body: "{}" } : {}),
        });
        if (refused(exchange)) return { op, conclusive: true };
        if (!granted(exchange, context)) return { op, conclusive: false };
        return {
          op,
          conclusive: true,
          finding: context.finding({
            title: "Protected write accepted without credentials",
            detail: `${op.method} ${op.path} is documented as requiring credentials but answered ${exchange.status} to a request without any (an empty body, a random id): the operation runs for anyone.`,
            exchange,
            body: true,
            subject: `${op.method} ${op.path}:anonymous`,
          }),
        };
      }),
  );
}

function anonymousFinding(
  context: CheckContext,
  op: ScanOperation,
  exchange: Exchange,
  all: readonly ScanOperation[],
  publicReasons: ReadonlyMap<string | undefined, string | undefined>,
): Finding | undefined {
  if (publicReasons.get(op.pointer) !== undefined) return undefined;
  const admin = adminReason(context, op);
  if (admin) {
    return context.finding({
      title: "Admin operation answers without credentials",
      detail: `GET ${op.path} ${admin} and answered ${exchange.status} to a request without any credentials.`,
      exchange,
      body: true,
      subject: `${op.path}:anonymous`,
    });
  }
  if (op.secured) {
    // A document that protects (nearly) every operation alike, as generated ones do, cannot
    // tell a public operation its operator opened from a missing check: say the two disagree.
    const blanket =
      all.length > 1 && all.filter((o) => o.secured).length >= BLANKET_SHARE * all.length;
    return context.finding({
      ...(blanket ? { severity: "medium" as const, confidence: "medium" as const } : {}),
      title: blanket
        ? "The document and the server disagree: a protected operation answers without credentials"
        : "Protected operation answers without credentials",
      detail: blanket
        ? `GET ${op.path} answered ${exchange.status} to a request without any credentials, while the document marks every operation as protected: either the operation was made public on purpose and the document is wrong, or its access control is missing. Check which, and mark public operations in the document.`
        : `GET ${op.path} is documented as requiring credentials but answered ${exchange.status} to a request without any.`,
      exchange,
      body: true,
      subject: `${op.path}:anonymous`,
    });
  }
  // Documented as public without saying why, while reading one of its items needs credentials:
  // the collection leaks what each item protects. Only the item itself (`/orders/{id}`) counts;
  // other sub-resources (`/articles/feed`) are other operations with their own rules.
  const itemPath = new RegExp(`^${escapeRegExp(op.path.replace(/\/+$/, ""))}/\\{[^}/]+\\}$`);
  const protectedChild = all.find((o) => o.secured && o.method === "GET" && itemPath.test(o.path));
  if (protectedChild) {
    return context.finding({
      severity: "medium",
      confidence: "medium",
      title: "Operation answers without credentials while the resources under it need them",
      detail: `GET ${op.path} answered ${exchange.status} without credentials and is not marked public (x-rampart-public), while ${protectedChild.method} ${protectedChild.path} requires credentials.`,
      exchange,
      body: true,
      subject: `${op.path}:anonymous`,
    });
  }
  return undefined;
}

/**
 * Why an operation is administrative, or undefined: a path in an administrative area, a tag of
 * the document that names one, or an admin scope in every security requirement (a requirement
 * without one lets an ordinary token in by design).
 */
export function adminReason(context: CheckContext, op: ScanOperation): string | undefined {
  const vocabulary = context.vocabulary;
  if (vocabulary.isAdminPath(op.path)) return "belongs to an administrative area";
  const tag = op.tags?.find((t) => vocabulary.isAdminLabel(t));
  if (tag !== undefined) return `is tagged "${tag}" (administrative) in the document`;
  const scopes = (op.scopes ?? []).map((list) => list.find((s) => vocabulary.isAdminLabel(s)));
  const first = scopes[0];
  if (first !== undefined && scopes.every((s) => s !== undefined))
    return `asks the administrative scope "${first}" in the document`;
  return undefined;
}

/**
 * Request headers that some servers take as the caller's role (CWE-807: a security decision on
 * an input the client controls). Sent together on an admin operation that refused the caller.
 */
export const ROLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-admin": "true",
  "x-is-admin": "true",
  isadmin: "true",
  admin: "true",
  "x-role": "admin",
  "x-user-role": "admin",
});

/**
 * Admin operations that answer an identity not marked `admin` (OWASP API5:2023), and those that
 * open when the refused caller claims the admin role in a request header.
 */
async function bfla(
  context: CheckContext,
  gets: readonly ScanOperation[],
  anonymous: ReadonlyMap<string, Exchange | undefined>,
): Promise<Finding[]> {
  const { list } = await identitiesOf(context);
  const user = list.find((i) => !i.admin);
  const findings: Finding[] = [];
  for (const op of gets) {
    const admin = adminReason(context, op);
    if (!admin || granted(anonymous.get(op.path), context)) continue;
    const plain = user ? await sendAs(context, user, { url: op.url, headers: ACCEPT }) : undefined;
    if (user && granted(plain, context)) {
      findings.push(
        context.finding({
          title: "Admin operation answers an ordinary user",
          detail: `GET ${op.path} ${admin} and answered ${plain.status} to identity "${user.name}", which is not an admin: function-level authorisation is missing.`,
          exchange: plain,
          body: true,
          subject: `${op.path}:bfla`,
        }),
      );
      continue;
    }
    // Only a refusal is worth contradicting: a 404 or a 500 would say nothing about the header.
    if (!refused(user ? plain : anonymous.get(op.path))) continue;
    const claimed = await sendAs(context, user, {
      url: op.url,
      headers: { ...ACCEPT, ...ROLE_HEADERS },
    });
    if (!granted(claimed, context)) continue;
    const who = user
      ? `identity "${user.name}", which is not an admin,`
      : "a request without credentials";
    findings.push(
      context.finding({
        title: "Admin operation opens to a role claimed in a request header",
        detail: `GET ${op.path} ${admin}. It refused ${who} with ${(user ? plain : anonymous.get(op.path))?.status}, then answered ${claimed.status} when the same request also carried ${Object.keys(ROLE_HEADERS).join(", ")}: the server takes the caller's role from a header any client sets.`,
        exchange: claimed,
        body: true,
        subject: `${op.path}:role-header`,
      }),
    );
  }
  return findings;
}
