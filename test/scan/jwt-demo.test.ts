import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { Finding } from "../../src/core/finding.js";
import type { Report } from "../../src/core/report.js";
import { JWT_CHECKS } from "../../src/scan/checks/jwt/index.js";
import { runScan } from "../../src/scan/engine.js";
import type { ScanOptions } from "../../src/scan/options.js";
import { SCAN_CHECKS } from "../../src/scan/registry.js";
import { demoPool, login } from "../helpers/demo-client.js";
import { catalog, DEMO_LOGIN } from "./scan-helpers.js";

const demo = demoPool();

const reports = new Map<string, Promise<Report>>();

// AUTH-02 logs in five more times (scrypt on the demo's side): only where sessions are looked at.
const WITH_SESSIONS = new Set(["none", "all", "jwt-header-injection,predictable-session-id"]);

/** Scans a demo with the token checks, logged in as alice; one scan per flaws and options. */
function scanTokens(flaws: string, options: Partial<ScanOptions> = {}): Promise<Report> {
  const key = `${flaws} ${JSON.stringify(options)}`;
  const checks = WITH_SESSIONS.has(flaws)
    ? JWT_CHECKS
    : JWT_CHECKS.filter((c) => c.id !== "auth-02-session-randomness");
  let report = reports.get(key);
  if (!report) {
    report = demo(flaws).then((api) =>
      runScan({ target: api.url, login: DEMO_LOGIN, ...options }, { catalog, checks }),
    );
    reports.set(key, report);
  }
  return report;
}

// Flaws of different checks share a demo (each check sees one of its flaws at a time), so that
// the file starts five demos rather than ten.
const A = "alg-none,long-exp,sensitive-claims";
const B = "alg-confusion,no-exp,oversized-token";
const C = "jwt-header-injection,predictable-session-id";
const D = "weak-jwt-secret,exp-not-checked";

function of(report: Report, check: string): Finding[] {
  return report.findings.filter((f) => f.checkId === check);
}

function titles(report: Report, check: string): string {
  return of(report, check)
    .map((f) => f.title)
    .join(" | ");
}

describe("token checks against the hardened demo (flaws none): silent, nothing accepted", () => {
  let report: Report;
  before(async () => {
    report = await scanTokens("none");
  });

  test("every token check is registered and ran", () => {
    for (const check of JWT_CHECKS) {
      assert.ok(SCAN_CHECKS.includes(check), `${check.id} registered`);
      assert.equal(report.checks.find((c) => c.id === check.id)?.status, "ran", check.id);
    }
  });

  test("no forged token (alg none, stripped, key confusion, jwk, jku, x5u, kid) is accepted", () => {
    assert.deepEqual(of(report, "jwt-02-forgery"), []);
    assert.deepEqual(of(report, "jwt-02-key-url"), []);
  });

  test("no finding at all: strong secret, 10-minute tokens, no claims, small, random sessions", () => {
    assert.deepEqual(
      report.findings.map((f) => `${f.checkId}: ${f.title}`),
      [],
    );
    for (const item of ["JWT-02", "JWT-03", "JWT-04", "JWT-05"])
      assert.equal(report.items.find((i) => i.id === item)?.verdict, "pass", item);
    // A dictionary can find a weak secret, not prove a strong one; randomness can be found
    // lacking, not proven: neither item can pass from outside, and each says why.
    const jwt01 = report.items.find((i) => i.id === "JWT-01");
    assert.equal(jwt01?.verdict, "partial");
    assert.match(jwt01?.reason ?? "", /none of the [\d,]+ candidates tried/);
    const auth02 = report.items.find((i) => i.id === "AUTH-02");
    assert.equal(auth02?.verdict, "not_tested");
    assert.match(auth02?.reason ?? "", /no check can prove it from outside/);
  });
});

describe("token checks against the demo with every flaw", () => {
  let report: Report;
  before(async () => {
    report = await scanTokens("all");
  });

  test("weak-jwt-secret: the secret is found, shown masked, with the rate", () => {
    const [finding] = of(report, "jwt-01-weak-secret");
    assert.match(finding?.title ?? "", /HS256 secret found in a dictionary/);
    assert.equal(finding?.severity, "critical");
    assert.match(finding?.evidence.note ?? "", /y\*{17}t \(19 chars\)/);
    assert.match(finding?.evidence.note ?? "", /[\d,]+ HMAC candidates\/s/);
    assert.doesNotMatch(JSON.stringify(report), /your-256-bit-secret/);
  });

  test("alg-none, alg-confusion, jwt-header-injection: each forgery family is proven accepted", () => {
    const forged = titles(report, "jwt-02-forgery");
    assert.match(forged, /Unsigned JWT accepted/);
    assert.match(forged, /RS\/ES -> HS confusion/);
    assert.match(forged, /jwk header accepted/);
    assert.match(titles(report, "jwt-02-key-url"), /jku URL accepted/);
    for (const f of [...of(report, "jwt-02-forgery"), ...of(report, "jwt-02-key-url")]) {
      assert.equal(f.severity, "critical");
      assert.match(f.evidence.note ?? "", /forged header: \{.*"alg"/);
      assert.match(
        f.evidence.note ?? "",
        /real token 200, without a token 401, with the forgery 200/,
      );
      assert.equal(f.evidence.status, 200);
    }
  });

  test("the real token never appears in the report", () => {
    assert.doesNotMatch(JSON.stringify(report), /eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });

  test("no-exp and exp-not-checked: missing exp, and an expired copy accepted", () => {
    const lifetime = titles(report, "jwt-03-lifetime");
    assert.match(lifetime, /without exp/);
    assert.match(lifetime, /Expired JWT accepted/);
  });

  test("sensitive-claims: the hash and card at high, the email at low, values withheld", () => {
    const findings = of(report, "jwt-04-sensitive-claims");
    const high = findings.find((f) => f.severity === "high");
    assert.match(high?.evidence.note ?? "", /passwordHash \(password-hash\), card \(card-number\)/);
    assert.equal(
      findings.find((f) => f.severity === "low")?.evidence.note,
      "claims: email (email); values withheld; token redacted",
    );
    assert.doesNotMatch(JSON.stringify(findings), /4111|\$scrypt|alice@/);
  });

  test("oversized-token: above 8 KiB fails at medium", () => {
    const [finding] = of(report, "jwt-05-size");
    assert.equal(finding?.severity, "medium");
    assert.match(finding?.title ?? "", /JWT of 8\.\d KiB|JWT of 9\.\d KiB/);
  });

  test("predictable-session-id: the sid cookie is found sequential over six logins", () => {
    const [finding] = of(report, "auth-02-session-randomness");
    assert.match(finding?.title ?? "", /Predictable cookie sid \(sequential\)/);
    assert.match(finding?.evidence.note ?? "", /6 samples/);
    assert.match(finding?.evidence.headers?.["set-cookie"] ?? "", /sid=\[REDACTED\]/);
  });
});

describe("token flaws one per check", () => {
  test("alg-none: only the unsigned forgeries are accepted", async () => {
    const report = await scanTokens(A);
    assert.deepEqual(
      of(report, "jwt-02-forgery").map((f) => f.title),
      ['Unsigned JWT accepted (alg "none")'],
    );
    assert.match(of(report, "jwt-02-forgery")[0]?.detail ?? "", /nOnE/);
    assert.deepEqual(of(report, "jwt-02-key-url"), []);
  });

  test("alg-confusion: HS256 keyed with the JWKS public key is accepted", async () => {
    const report = await scanTokens(B);
    assert.deepEqual(
      of(report, "jwt-02-forgery").map((f) => f.title),
      ["JWT signed with the public key as HMAC secret accepted (RS/ES -> HS confusion)"],
    );
  });

  test("jwt-header-injection: jwk and jku keys are accepted", async () => {
    const report = await scanTokens(C);
    assert.match(
      titles(report, "jwt-02-forgery"),
      /^JWT signed with a key embedded in its own jwk header accepted$/,
    );
    assert.match(titles(report, "jwt-02-key-url"), /jku URL accepted/);
  });

  test("long-exp: a 30-day token fails JWT-03; a 31-day threshold accepts it", async () => {
    const report = await scanTokens(A);
    assert.deepEqual(titles(report, "jwt-03-lifetime"), "JWT access token lives 30 days");
    const relaxed = await scanTokens(A, { config: { jwt: { maxLifetimeMinutes: 31 * 24 * 60 } } });
    assert.deepEqual(of(relaxed, "jwt-03-lifetime"), []);
  });

  test("no-exp: the missing exp is found; expiry is not tested without the secret", async () => {
    const report = await scanTokens(B);
    assert.deepEqual(titles(report, "jwt-03-lifetime"), "JWT access token without exp");
  });

  test("exp-not-checked with a weak secret: the expired copy is accepted", async () => {
    const report = await scanTokens(D);
    const expired = of(report, "jwt-03-lifetime").find((f) => f.title === "Expired JWT accepted");
    assert.equal(expired?.severity, "high");
    assert.match(expired?.evidence.note ?? "", /without a token 401, expired copy 200/);
    const weakOnly = await scanTokens("weak-jwt-secret");
    assert.deepEqual(
      of(weakOnly, "jwt-03-lifetime"),
      [],
      "expiry enforced: the expired copy is refused",
    );
  });

  test("sensitive-claims, oversized-token and predictable-session-id are each found", async () => {
    const claims = await scanTokens(A);
    assert.equal(of(claims, "jwt-04-sensitive-claims").length, 2);
    const size = await scanTokens(B);
    assert.equal(of(size, "jwt-05-size").length, 1);
    const session = await scanTokens(C);
    assert.equal(of(session, "auth-02-session-randomness").length, 1);
  });

  test("without a login recipe, AUTH-02 is not tested and the JWT checks need a token", async () => {
    const api = await demo("none");
    const checks = JWT_CHECKS.filter((c) =>
      ["auth-02-session-randomness", "jwt-02-forgery"].includes(c.id),
    );
    const report = await runScan({ target: api.url }, { catalog, checks });
    assert.match(
      report.checks.find((c) => c.id === "auth-02-session-randomness")?.reason ?? "",
      /login recipe/,
    );
    assert.equal(report.checks.find((c) => c.id === "jwt-02-forgery")?.status, "not_tested");
  });

  test("a --bearer token is attacked like a login's: alg none accepted, AUTH-02 not tested", async () => {
    const api = await demo(A);
    const bearer = await login(api, "bob");
    const report = await runScan({ target: api.url, bearer }, { catalog, checks: JWT_CHECKS });
    // Without a login recipe AUTH-02 sends nothing; with a bearer token the others still run.
    assert.match(titles(report, "jwt-02-forgery"), /Unsigned JWT accepted/);
    assert.match(titles(report, "jwt-03-lifetime"), /lives 30 days/);
    assert.equal(
      report.checks.find((c) => c.id === "auth-02-session-randomness")?.status,
      "not_tested",
    );
    assert.doesNotMatch(JSON.stringify(report), new RegExp(bearer.split(".")[2] ?? "x"));
  });
});
