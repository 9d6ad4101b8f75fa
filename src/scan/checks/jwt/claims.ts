import { sensitiveClaims } from "../../jwt/claims.js";
import { heldTokens, NOT_A_JWT } from "../../jwt/target.js";
import type { ScanCheck } from "../../types.js";
import { covered, notTested, ran } from "../outcome.js";

/**
 * JWT-04: no secrets or personal data in the payload, which is only base64url, readable by
 * anyone who holds the token (RFC 7519 12, RFC 8725 3.11 for what JWE is for). Passwords and
 * password hashes, card numbers (Luhn), national ids and keys are high; e-mail addresses low.
 * Every JWT the scan saw is read: its own token, JWT fields of the login answer (an OpenID
 * Connect id_token) and JWT cookies. The evidence names the claims, never their values.
 */
export const jwtClaimsCheck: ScanCheck = {
  id: "jwt-04-sensitive-claims",
  items: ["JWT-04"],
  proves: ["JWT-04"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "JWT payloads carry no secrets or personal data",
  async run(context) {
    const tokens = await heldTokens(context);
    if (tokens.length === 0) return notTested(NOT_A_JWT);
    const findings = [];
    for (const { jwt, source } of tokens) {
      const found = sensitiveClaims(jwt.payload);
      const high = found.filter((c) => c.severity === "high");
      const low = found.filter((c) => c.severity !== "high");
      const list = (claims: typeof found) => claims.map((c) => `${c.path} (${c.kind})`).join(", ");
      const where = source === "the scan's token" ? "" : ` ${source}`;
      const Source = source.charAt(0).toUpperCase() + source.slice(1);
      if (high.length > 0)
        findings.push(
          context.finding({
            title: `JWT payload carries ${[...new Set(high.map((c) => c.kind))].join(", ")}`,
            detail: `${Source}, readable by anyone who holds it, carries ${list(high)}.`,
            evidence: { note: `claims: ${list(high)}; values withheld; token redacted` },
            subject: `secrets${where}`,
          }),
        );
      if (low.length > 0)
        findings.push(
          context.finding({
            severity: "low",
            title: "JWT payload carries personal data (e-mail)",
            detail: `${Source} carries ${list(low)}: personal data readable by anyone who holds the token.`,
            evidence: { note: `claims: ${list(low)}; values withheld; token redacted` },
            subject: `personal${where}`,
          }),
        );
    }
    return ran(findings, covered(tokens.length, tokens.length, "tokens"));
  },
};
