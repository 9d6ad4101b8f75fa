import type { Exchange, ScanCheck, ScanOperation } from "../../types.js";
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
    const secured = target.operations.filter((op) => op.secured && op.method === "GET");
    let probe: ScanOperation | undefined = secured[0];
    if (challenges.length === 0 && probe) {
      const answer = await http.trySend({ url: probe.url, anonymous: true });
      if (answer && (answer.status === 401 || answer.headers["www-authenticate"]))
        challenges.push(answer);
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
    const body = login ? parseBody(login.exchange) : undefined;
    const username = body?.username ?? body?.user ?? body?.email;
    const password = body?.password;
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
    if (!offered && challenges.length === 0 && findings.length === 0)
      return notTested("no authentication challenge observed (no secured operation answered 401)");
    // Whether Basic is accepted can only be tried with a real username and password.
    const gaps = canTry
      ? []
      : ["Basic credentials not tried (needs a login recipe with a username and password)"];
    return ran(findings, covered(1, 1, "challenges", gaps));
  },
};

function parseBody(exchange: Exchange): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(exchange.requestBody ?? "");
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
