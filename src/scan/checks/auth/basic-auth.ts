import type { Finding } from "../../../core/finding.js";
import { OWN_RECORD_PATH } from "../../../vocabulary/names.js";
import { PASSWORD_FIELD, USERNAME_FIELD } from "../../auth/login.js";
import { loginFields } from "../../auth/own-account.js";
import { identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { delivers, protectedReads } from "../access-control/objects.js";
import { covered, notTested, ran } from "../outcome.js";

const BASIC = /(^|,)\s*Basic(\s|,|$)/i;

/**
 * AUTH-01: HTTP Basic (RFC 7617) is neither offered in a WWW-Authenticate challenge nor
 * accepted. Acceptance is only tested with real credentials (a login recipe's username and
 * password): Basic that gets a successful answer where the same request without it is refused.
 */
export const basicAuthCheck: ScanCheck = {
  id: "auth-01-basic",
  items: ["AUTH-01"],
  proves: ["AUTH-01"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "HTTP Basic authentication neither offered nor accepted",
  async run(context) {
    const { target, http } = context;
    const challenges: Exchange[] = target.observed
      .map((o) => o.exchange)
      .filter((e) => e.status === 401 || e.headers["www-authenticate"] !== undefined);
    // The caller's own record first: a document that marks every operation protected may hold
    // public ones its operator opened, while `/users/me` always needs a caller.
    const secured = target.operations
      .filter((op) => op.secured && op.method === "GET")
      .sort(
        (a, b) => Number(!OWN_RECORD_PATH.test(a.path)) - Number(!OWN_RECORD_PATH.test(b.path)),
      );
    let probe: ScanOperation | undefined = secured[0];
    if (challenges.length === 0)
      for (const op of secured.slice(0, MAX_CHALLENGE_PROBES)) {
        const answer = await http.trySend({ url: op.url, anonymous: true });
        if (answer && (answer.status === 401 || answer.headers["www-authenticate"])) {
          challenges.push(answer);
          probe = op;
          break;
        }
      }
    const findings = [];
    const offered = challenges.find((e) => BASIC.test(e.headers["www-authenticate"] ?? ""));
    if (offered) {
      findings.push(
        context.finding({
          title: "HTTP Basic authentication offered",
          detail:
            "The API's WWW-Authenticate challenge invites Basic credentials: the password itself travels with every request, only base64-encoded.",
          exchange: offered,
          headers: ["www-authenticate"],
          subject: "offered",
        }),
      );
    }
    const login = target.observed.find((o) => o.source === "login");
    const fields = [...loginFields(login?.exchange)];
    const username = fields.find(([k]) => USERNAME_FIELD.test(k))?.[1];
    const password = fields.find(([k]) => PASSWORD_FIELD.test(k))?.[1];
    probe ??= secured[0];
    const canTry = typeof username === "string" && typeof password === "string" && !!probe;
    if (canTry && probe) {
      const without = await http.trySend({ url: probe.url, anonymous: true });
      const credentials = Buffer.from(`${username}:${password}`).toString("base64");
      const withBasic = await http.trySend({
        url: probe.url,
        anonymous: true,
        headers: { authorization: `Basic ${credentials}` },
      });
      if (
        without &&
        withBasic &&
        (without.status === 401 || without.status === 403) &&
        withBasic.status >= 200 &&
        withBasic.status < 300
      ) {
        findings.push(
          context.finding({
            title: "HTTP Basic credentials accepted",
            detail: `${probe.method} ${probe.path} refuses the request without credentials (${without.status}) and answers ${withBasic.status} with the login's username and password sent as Basic credentials.`,
            exchange: withBasic,
            headers: ["content-type"],
            evidence: {
              note: `without credentials: ${without.status}; with Basic: ${withBasic.status}`,
            },
            subject: "accepted",
          }),
        );
      }
    }
    const disguised = await disguisedBasic(context);
    if (disguised) findings.push(disguised);
    if (!offered && challenges.length === 0 && findings.length === 0)
      return notTested("no authentication challenge observed (no secured operation answered 401)");
    // Whether Basic is accepted can only be tried with a real username and password.
    const gaps = canTry
      ? []
      : ["Basic credentials not tried (needs a login recipe with a username and password)"];
    return ran(findings, covered(1, 1, "challenges", gaps));
  },
};

/** GET operations asked without credentials for a 401 challenge, at most. */
export const MAX_CHALLENGE_PROBES = 3;

/** `alice:s3cret`: what Basic credentials decode to (RFC 7617 2: user-id ":" password). */
const USER_PASS = /^[\x21-\x39\x3b-\x7e]{1,128}:[\x20-\x7e]{1,256}$/;

/** The user-id part of a header value that is base64 of `user:password`, or undefined. */
export function basicPayloadUser(value: string): string | undefined {
  const encoded = value.replace(/^\s*[A-Za-z][\w-]*\s+(?=\S+$)/, "").trim();
  if (!/^[A-Za-z0-9+/]{8,}={0,2}$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  return USER_PASS.test(decoded) ? decoded.slice(0, decoded.indexOf(":")) : undefined;
}

/**
 * The credential header of an identity that is base64 of `user:password` (Basic under another
 * name), with its user name; undefined when it has none.
 *
 * @example
 * ```ts
 * disguisedBasicHeader({ "authorization-token": "YWxpY2U6cHc=" }); // { name: "authorization-token", user: "alice" }
 * ```
 */
export function disguisedBasicHeader(
  headers: Readonly<Record<string, string>>,
): { name: string; value: string; user: string } | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === "authorization" && /^\s*basic\s/i.test(value)) continue;
    const user = basicPayloadUser(value);
    if (user !== undefined) return { name, value, user };
  }
  return undefined;
}

/**
 * Basic under another name: an identity's credential header whose value is base64 of
 * `user:password` (a custom `Authorization-Token`, say), accepted by an operation that refuses
 * the same request without it. The password travels with every request, as with Basic.
 */
async function disguisedBasic(context: CheckContext): Promise<Finding | undefined> {
  const { list } = await identitiesOf(context);
  for (const identity of list) {
    for (const [name, value] of Object.entries(identity.headers)) {
      if (name.toLowerCase() === "authorization" && /^\s*basic\s/i.test(value)) continue;
      const user = basicPayloadUser(value);
      if (user === undefined) continue;
      const [read] = await protectedReads(
        context,
        (url) => sendAs(context, identity, { url, headers: { accept: "application/json" } }),
        { max: 1, scan: 12, accepts: (e) => delivers(e, context.target.baseline) },
      );
      if (read) {
        const { op, answer: withIt, without } = read;
        return context.finding({
          title: "Basic credentials in a custom header",
          detail: `Identity "${identity.name}" authenticates with ${name}: base64 of "${user}:<password>", which ${op.method} ${op.path} accepts (${withIt.status}; ${without.status} without it): the password itself travels with every request, as with HTTP Basic, in a header no standard tool treats as a secret.`,
          exchange: withIt,
          evidence: {
            note: `${name} decodes to ${user}:<password>; without it: ${without.status}`,
          },
          subject: "disguised",
        });
      }
    }
  }
  return undefined;
}
