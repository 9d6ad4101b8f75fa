import type { Finding } from "../../../core/finding.js";
import { crackedSecret, signHmac } from "../../jwt/secret.js";
import { maxLifetimeSeconds } from "../../jwt/settings.js";
import {
  accepted,
  jwtHolder,
  NOT_A_JWT,
  proofEndpoint,
  type ScanToken,
  sendToken,
} from "../../jwt/target.js";
import type { CheckContext, ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";

/** How far in the past the expired copy's `exp` lies: well beyond any clock-skew leeway. */
const EXPIRED_BY_SECONDS = 3600;

/**
 * JWT-03: access tokens expire, soon, and the server enforces it (RFC 7519 4.1.4, RFC 8725
 * 3.10, RFC 9700 2.2.2). Reads the scan's token: no `exp`, or a lifetime (exp - iat, or exp -
 * now without iat) above `scan.jwt.maxLifetimeMinutes` (15 by default). When the dictionary
 * attack of JWT-01 found the HMAC secret, a copy with `exp` an hour in the past is signed and
 * sent to an operation that needs the token: a 2xx proves expiry is not checked.
 */
export const jwtLifetimeCheck: ScanCheck = {
  id: "jwt-03-lifetime",
  items: ["JWT-03"],
  proves: ["JWT-03"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "JWT access tokens expire within the threshold and expired ones are refused",
  async run(context) {
    const own = await jwtHolder(context);
    if (!own) return notTested(NOT_A_JWT);
    const findings: Finding[] = [];
    const { exp, iat } = own.jwt.payload;
    const now = Math.floor(Date.now() / 1000);
    const max = maxLifetimeSeconds(context);
    const claims = `exp ${typeof exp === "number" ? exp : "absent"}, iat ${typeof iat === "number" ? iat : "absent"}`;
    if (typeof exp !== "number") {
      findings.push(
        context.finding({
          title: "JWT access token without exp",
          detail: `The access token of ${own.holder} carries no exp claim: it is valid until the key changes, so a stolen token never stops working.`,
          evidence: {
            note: `claims: ${claims}; header ${JSON.stringify(own.jwt.header)}; token redacted`,
          },
          subject: "no-exp",
        }),
      );
    } else {
      const lifetime = exp - (typeof iat === "number" ? iat : now);
      if (lifetime > max) {
        findings.push(
          context.finding({
            title: `JWT access token lives ${human(lifetime)}`,
            detail: `The access token of ${own.holder} is valid for ${human(lifetime)} (${typeof iat === "number" ? "exp - iat" : "exp - now"}), above the threshold of ${human(max)} (scan.jwt.maxLifetimeMinutes).`,
            evidence: {
              note: `claims: ${claims}; lifetime ${lifetime} s; threshold ${max} s; token redacted`,
            },
            subject: "long-exp",
          }),
        );
      }
    }
    const expired = await expiredAccepted(context, own, now);
    if (expired) findings.push(expired);
    return ran(findings, whole("tokens"));
  },
};

async function expiredAccepted(
  context: CheckContext,
  own: ScanToken,
  now: number,
): Promise<Finding | undefined> {
  const cracked = await crackedSecret(context, own);
  if (cracked?.secret === undefined) return undefined;
  const proof = await proofEndpoint(context);
  if (!proof) return undefined;
  // Relative to the earlier of our clock and the issuer's, so a skewed target still sees the past.
  const issued = own.jwt.payload.iat;
  const exp = (typeof issued === "number" ? Math.min(now, issued) : now) - EXPIRED_BY_SECONDS;
  const iat =
    typeof own.jwt.payload.iat === "number" ? Math.min(own.jwt.payload.iat, exp - 60) : exp - 600;
  const payload = {
    ...own.jwt.payload,
    iat,
    exp,
    ...(own.jwt.payload.nbf !== undefined ? { nbf: iat } : {}),
  };
  const answer = await sendToken(context, proof, signHmac(own.jwt.header, payload, cracked.secret));
  if (!accepted(proof, answer)) return undefined;
  return context.finding({
    severity: "high",
    title: "Expired JWT accepted",
    detail: `A copy of the scan's token with exp ${EXPIRED_BY_SECONDS / 60} minutes in the past, signed with the secret JWT-01 found, was accepted by ${proof.method} ${new URL(proof.url).pathname} (${answer.status}); without a token it answers ${proof.withoutToken.status}.`,
    exchange: answer,
    evidence: {
      note: `forged claims exp ${exp} (now ${now}), iat ${iat}; status with the real token ${proof.withToken.status}, without a token ${proof.withoutToken.status}, expired copy ${answer.status}; token redacted`,
    },
    subject: "expired-accepted",
  });
}

function human(seconds: number): string {
  if (seconds >= 2 * 86_400) return `${Math.round(seconds / 86_400)} days`;
  if (seconds >= 2 * 3600) return `${Math.round(seconds / 3600)} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}
