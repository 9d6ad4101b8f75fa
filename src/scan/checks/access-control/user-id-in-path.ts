import type { Finding } from "../../../core/finding.js";
import type { Vocabulary } from "../../../vocabulary/vocabulary.js";
import { type Identity, identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { ran, whole } from "../outcome.js";
import { delivers } from "./objects.js";

/**
 * True when a path segment is a parameter holding a user's id: by its name (`{userId}`) or by
 * the collection before it (`/users/{id}`).
 *
 * @example
 * ```ts
 * isUserIdParam(["", "users", "{id}"], 2, DEFAULT_VOCABULARY); // true
 * ```
 */
export function isUserIdParam(
  segments: readonly string[],
  at: number,
  vocabulary: Vocabulary,
): boolean {
  const name = /^\{([^}]+)\}$/.exec(segments[at] ?? "")?.[1];
  if (name === undefined) return false;
  return vocabulary.isUserIdName(name) || vocabulary.isUserSegment(segments[at - 1] ?? "");
}

/**
 * The index of the user id parameter in a path template whose sub-resources hang off a user
 * (`/api/users/{id}/orders`), or -1.
 *
 * @example
 * ```ts
 * userIdSegment("/api/users/{id}/orders", DEFAULT_VOCABULARY); // 3
 * userIdSegment("/api/users/{id}", DEFAULT_VOCABULARY);        // -1 (the user itself)
 * ```
 */
export function userIdSegment(path: string, vocabulary: Vocabulary): number {
  const segments = path.split("/");
  return segments.findIndex(
    (_segment, i) => i < segments.length - 1 && isUserIdParam(segments, i, vocabulary),
  );
}

/**
 * The operation's URL with the path segment at template index `at` set to `value`.
 *
 * @example
 * ```ts
 * withSegment(op, 3, "42"); // op /api/users/{id}/orders at .../api/users/42/orders
 * ```
 */
export function withSegment(op: ScanOperation, at: number, value: string): string {
  const url = new URL(op.url);
  const segments = url.pathname.split("/");
  // The template and the URL share their segment count (after the server prefix).
  segments[segments.length - (op.path.split("/").length - at)] = encodeURIComponent(value);
  url.pathname = segments.join("/");
  return url.href;
}

/**
 * PROC-02: the caller's own data is addressed by the caller's user id in the path, which invites
 * changing the id. Reported from the document; confirmed live when an identity's id is known
 * (its own id answers, and another identity's id answers it too: BOLA).
 */
export const userIdInPathCheck: ScanCheck = {
  id: "proc-02-user-id-in-path",
  items: ["PROC-02"],
  proves: [],
  severity: "medium",
  intrusive: false,
  needs: ["operations"],
  title: "The caller comes from the token, not the path",
  async run(context) {
    const { list } = await identitiesOf(context);
    const [a, b] = list;
    const findings: Finding[] = [];
    for (const op of context.target.operations.filter((o) => o.method === "GET")) {
      const at = userIdSegment(op.path, context.vocabulary);
      if (at < 0) continue;
      const urlFor = (id: string) => withSegment(op, at, id);
      let own: Exchange | undefined;
      if (a?.userId) {
        own = await sendAs(context, a, { url: urlFor(a.userId), headers: ACCEPT });
        if (!delivers(own, context.target.baseline)) own = undefined;
      }
      findings.push(
        context.finding({
          title: "User id in the path of the caller's own data",
          detail: `${op.method} ${op.path} addresses the caller's data by user id: the server must take the caller from the token, and any id but the caller's own invites enumeration.`,
          ...(own
            ? { exchange: own, body: true }
            : {
                evidence: { note: `${op.method} ${op.path} in the OpenAPI document` },
                url: op.url,
                method: op.method,
              }),
          subject: `${op.path}:design`,
        }),
      );
      if (own && a?.userId && b) {
        const other = await sendAs(context, b, { url: urlFor(a.userId), headers: ACCEPT });
        if (delivers(other, context.target.baseline))
          findings.push(
            context.finding({
              severity: "high",
              title: "User reads another user's data through the user id in the path (BOLA)",
              detail: `Identity "${b.name}" read ${op.path} with the user id of "${a.name}" and got 200: the id in the path is trusted.`,
              exchange: other,
              body: true,
              subject: `${op.path}:other`,
            }),
          );
      }
    }
    findings.push(...observedUrls(context, list, findings.length > 0));
    return ran(findings, whole("documents"));
  },
};

/** URLs seen during the scan that carry an identity's own id before a sub-resource. */
function observedUrls(
  context: CheckContext,
  identities: readonly Identity[],
  reported: boolean,
): Finding[] {
  if (reported) return [];
  const urls = new Set([
    ...context.target.urls,
    ...context.target.observed.flatMap((o) => [o.exchange.url, o.exchange.headers.location ?? ""]),
  ]);
  for (const identity of identities) {
    if (!identity.userId) continue;
    const marker = `/${encodeURIComponent(identity.userId)}/`;
    for (const url of urls) {
      const path = safePath(url, context.target.base);
      if (!path?.includes(marker)) continue;
      return [
        context.finding({
          title: "User id in the path of the caller's own data",
          detail: `The URL ${path} seen during the scan carries the user id of "${identity.name}" before a sub-resource: the server must take the caller from the token.`,
          evidence: { note: `observed URL ${path}` },
          url,
          subject: "observed",
        }),
      ];
    }
  }
  return [];
}

function safePath(url: string, base: URL): string | undefined {
  try {
    return url === "" ? undefined : new URL(url, base).pathname;
  } catch {
    return undefined;
  }
}

const ACCEPT = { accept: "application/json" };
