import type { Finding } from "../../../core/finding.js";
import { performLogin } from "../../auth/login.js";
import { analyseSamples } from "../../jwt/randomness.js";
import { isJwt } from "../../jwt/token.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, notTested, ran } from "../outcome.js";

/** Logins replayed to collect samples (the first, discovery's own, makes one more). */
export const EXTRA_LOGINS = 5;

const SESSION_NAME = /sess|sid|token|auth|jwt|login|remember|(?:^|[-_])id$/i;
// Opaque tokens in a login answer: a refresh token, a session id; never the token type or scope.
const BODY_FIELD = /(?:refresh|session|opaque|access|id)_?token$|^(?:sid|session(?:_?id)?|token)$/i;

/**
 * AUTH-02: session ids and opaque tokens are random (OWASP: at least 64 bits of entropy from a
 * CSPRNG). Only with a login recipe: the login is replayed five times (counted in the budget)
 * and every session cookie and opaque token of the answers (refresh tokens, session ids; JWTs
 * are left to the JWT checks) is compared across logins: identical values, sequential numbers,
 * timestamps, long shared prefixes and low estimated entropy are findings.
 */
export const sessionRandomnessCheck: ScanCheck = {
  id: "auth-02-session-randomness",
  items: ["AUTH-02"],
  proves: [],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Session ids and opaque tokens are unpredictable",
  async run(context) {
    const login = context.target.observed.find((o) => o.source === "login")?.exchange;
    if (!login) return notTested("needs a login recipe (scan.login) to collect session values");
    const answers: Exchange[] = [login];
    for (let i = 0; i < EXTRA_LOGINS; i++) {
      const answer = await replay(context, login);
      if (answer && answer.status >= 200 && answer.status < 300) answers.push(answer);
    }
    if (answers.length < 3) return notTested("the login could not be replayed");
    const samples = collect(answers);
    if (samples.size === 0)
      return notTested("the login answers carry no session cookie or opaque token");
    const findings: Finding[] = [];
    for (const [name, values] of samples) {
      if (values.length < 3) continue;
      const verdict = analyseSamples(values, Date.now());
      if (!verdict) continue;
      const where = name.startsWith("cookie ") ? "Set-Cookie" : "body";
      findings.push(
        context.finding({
          title: `Predictable ${name} (${verdict.weakness.replace("-", " ")})`,
          detail: `Across ${values.length} logins, ${name}: ${verdict.detail}. A guessable session value lets an attacker take over other users' sessions.`,
          exchange: answers.at(-1) as Exchange,
          ...(where === "Set-Cookie" ? { headers: ["set-cookie"] } : {}),
          evidence: {
            note: `${values.length} samples of ${name} (values redacted; lengths ${[...new Set(values.map((v) => v.length))].join("/")}); estimated ${verdict.bits} bits of entropy, 64 needed`,
          },
          subject: name,
        }),
      );
    }
    return ran(findings, covered(samples.size, samples.size, "session values"));
  },
};

/** The login again: through its recipe (a CSRF step stays fresh), else the same request. */
async function replay(context: CheckContext, login: Exchange): Promise<Exchange | undefined> {
  const recipe = context.target.auth?.recipe;
  if (recipe) {
    const attempt = await performLogin(
      (request) => context.http.trySend({ ...request, anonymous: true }),
      recipe,
    );
    return attempt.ok ? attempt.session.exchange : attempt.exchange;
  }
  const headers: Record<string, string> = {};
  for (const name of ["content-type", "accept"])
    if (login.requestHeaders[name] !== undefined) headers[name] = login.requestHeaders[name];
  return context.http.trySend({
    method: login.method,
    url: login.url,
    headers,
    ...(login.requestBody !== undefined ? { body: login.requestBody } : {}),
    anonymous: true,
  });
}

/** Session-looking cookies and opaque body tokens of each answer, by name. */
function collect(answers: readonly Exchange[]): Map<string, string[]> {
  const samples = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    if (value.length < 8 || isJwt(value)) return;
    samples.set(name, [...(samples.get(name) ?? []), value]);
  };
  for (const answer of answers) {
    for (const cookie of answer.setCookies) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(cookie);
      if (m?.[1] && m[2] !== undefined && SESSION_NAME.test(m[1]) && !/max-age=0\b/i.test(cookie))
        add(`cookie ${m[1]}`, m[2]);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      body = undefined;
    }
    if (body && typeof body === "object" && !Array.isArray(body)) {
      for (const [field, value] of Object.entries(body as Record<string, unknown>))
        if (typeof value === "string" && BODY_FIELD.test(field)) add(`field ${field}`, value);
    }
  }
  return samples;
}
