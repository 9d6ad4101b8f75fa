import { configuredLogin } from "../../auth/session.js";
import { isCatchAll } from "../../responses.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";

/** Not JSON and not valid for any business rule: nothing can be created from it. */
export const PROBE_BODY = "rampart probe: this body is deliberately not JSON";

/**
 * IN-03: a body whose Content-Type the operation does not accept gets 415 Unsupported Media
 * Type (RFC 9110 section 15.5.16) before any parsing. The probe sends text/plain to an operation
 * that takes JSON; the body is invalid for any parser, so nothing is created either way.
 */
export const unsupportedMediaTypeCheck: ScanCheck = {
  id: "in-03-unsupported-media-type",
  items: ["IN-03"],
  proves: ["IN-03"],
  severity: "low",
  intrusive: false,
  needs: ["operations"],
  title: "415 for a wrong request Content-Type",
  async run(context) {
    if (isCatchAll(context.target))
      return notTested("the target answers every path alike (catch-all)");
    const login = loginOperation(context);
    const candidates = [...context.target.operations, ...(login ? [login] : [])]
      .filter(
        (op) =>
          op.bodyTypes.some((t) =>
            /[/+]json|x-www-form-urlencoded|multipart\/form-data/i.test(t),
          ) && !op.bodyTypes.some((t) => /^text\/plain|\*\/\*/i.test(t)),
      )
      .sort(
        (a, b) =>
          Number(a.secured) - Number(b.secured) || methodRank(a.method) - methodRank(b.method),
      );
    if (candidates.length === 0)
      return nothingOfTheKind(context, "no operation takes a JSON or form body");
    const probed = candidates.slice(0, MAX_MEDIA_TYPE_PROBES);
    const wrong: { op: ScanOperation; answer: Exchange }[] = [];
    const byEffect: { op: ScanOperation; answer: Exchange }[] = [];
    let conclusive = 0;
    for (const op of probed) {
      const answer = await context.http.trySend({
        method: op.method,
        url: op.url,
        headers: { "content-type": "text/plain" },
        body: PROBE_BODY,
      });
      if (!answer || [401, 403, 404, 405, 429].includes(answer.status)) continue;
      conclusive++;
      if (answer.status === 415) continue;
      if (await refusedForItsType(context, op, answer)) byEffect.push({ op, answer });
      else wrong.push({ op, answer });
    }
    if (conclusive === 0)
      return notTested(
        "every operation with a JSON body refused the probe before reading it (401 / 403 / 404 / 429)",
      );
    const first = wrong[0];
    const findings = first
      ? [
          context.finding({
            title: "Wrong Content-Type not refused with 415",
            detail: `${first.op.method} ${first.op.path} accepts ${first.op.bodyTypes.join(", ")}, yet a text/plain body got ${first.answer.status} instead of 415 Unsupported Media Type (${wrong.length} of ${conclusive} operations): the body was handed to a parser it was not declared for.`,
            exchange: first.answer,
            headers: ["content-type", "accept-post", "accept-patch"],
            body: true,
            evidence: {
              request: `${first.op.method} ${new URL(first.answer.url).pathname} HTTP/1.1 (Content-Type: text/plain)`,
            },
            subject: "no-415",
          }),
        ]
      : [];
    const gaps = [
      ...(candidates.length > probed.length
        ? [`${candidates.length - probed.length} operations beyond the first ${probed.length}`]
        : []),
      ...(conclusive < probed.length
        ? [`${probed.length - conclusive} operations refused before reading the body`]
        : []),
    ];
    const seen = byEffect[0];
    const surface = covered(conclusive, candidates.length, "operations", [
      ...gaps,
      ...undescribed(context),
    ]);
    return ran(
      findings,
      seen
        ? {
            ...surface,
            observed: `${seen.op.method} ${seen.op.path} refused the text/plain body with ${seen.answer.status}, naming its media type, before any parser (${byEffect.length} of ${conclusive} operations); 415 Unsupported Media Type is the standard answer (RFC 9110 section 15.5.16)`,
          }
        : surface,
    );
  },
};

/** An answer that speaks of the request's media type (`Unsupported Media Type`, `Content-Type`). */
const NAMES_THE_TYPE =
  /content[-_ ]?type|media[-_ ]?type|mime[-_ ]?type|unsupported (?:content|media|format|body)|\b415\b|accept-(?:post|patch)/i;

/**
 * A 4xx that refused the body for its type, not for its content: the answer names the media
 * type (or advertises `Accept-Post` / `Accept-Patch`), and the same body declared as JSON gets
 * an answer that does not. Such a server never handed the body to a parser it was not declared
 * for; the status is the only thing wrong, and that is advice, not a flaw.
 */
async function refusedForItsType(
  context: Parameters<ScanCheck["run"]>[0],
  op: ScanOperation,
  answer: Exchange,
): Promise<boolean> {
  if (answer.status < 400 || answer.status >= 500) return false;
  const advertises =
    answer.headers["accept-post"] !== undefined || answer.headers["accept-patch"] !== undefined;
  if (!advertises && !NAMES_THE_TYPE.test(answer.body.slice(0, 2000))) return false;
  const control = await context.http.trySend({
    method: op.method,
    url: op.url,
    headers: { "content-type": "application/json" },
    body: PROBE_BODY,
  });
  if (!control) return false;
  return !NAMES_THE_TYPE.test(control.body.slice(0, 2000));
}

/**
 * The scan's login as an operation (its request, or its grant's token endpoint, RFC 6749 4.3 /
 * 4.4: a form body), when no operation the scan learnt is it: a login is the one body every API
 * with accounts parses, documented or not.
 */
function loginOperation(context: CheckContext): ScanOperation | undefined {
  const recipe = configuredLogin(context);
  const where = recipe?.grant ? recipe.tokenUrl : recipe?.path;
  if (!recipe || where === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(where, context.target.base);
  } catch {
    return undefined;
  }
  if (!context.http.inScope(url)) return undefined;
  const method = recipe.grant ? "POST" : (recipe.method ?? "POST");
  if (
    context.target.operations.some(
      (op) => op.method === method && new URL(op.url).pathname === url.pathname,
    )
  )
    return undefined;
  const form = recipe.grant !== undefined || recipe.form !== undefined;
  return {
    method,
    path: url.pathname,
    url: url.href,
    server: url.origin,
    bodyTypes: [form ? "application/x-www-form-urlencoded" : "application/json"],
    secured: false,
    queryParameters: [],
    parameters: [],
    source: "login",
  };
}

/** Operations sent a body in the wrong Content-Type, at most. */
export const MAX_MEDIA_TYPE_PROBES = 8;

// Creating is safer to probe than replacing or patching.
function methodRank(method: string): number {
  return ["POST", "PATCH", "PUT"].indexOf(method) + 1 || 9;
}
