import { maskSecret } from "../../../core/redact.js";
import { crackedSecret } from "../../jwt/secret.js";
import { jwtHolder, NOT_A_JWT } from "../../jwt/target.js";
import type { ScanCheck } from "../../types.js";
import { covered, notApplicable, notTested, ran, whole } from "../outcome.js";

/**
 * JWT-01: an HS256/384/512 token is signed with a secret nobody can guess (RFC 8725 3.5, RFC
 * 7518 3.2: a key at least as long as the hash). The scan's own token (else an identity's) is
 * attacked offline with
 * Rampart's dictionary (common secrets of tutorials and frameworks, their variants and the
 * target's host name): no request is sent. The secret is reported masked, with the rate.
 */
export const jwtWeakSecretCheck: ScanCheck = {
  id: "jwt-01-weak-secret",
  items: ["JWT-01"],
  proves: ["JWT-01"],
  severity: "critical",
  intrusive: false,
  needs: [],
  title: "HMAC-signed JWTs use a secret that is not in a dictionary",
  async run(context) {
    const own = await jwtHolder(context);
    if (!own) return notTested(NOT_A_JWT);
    const alg = String(own.jwt.header.alg);
    const result = await crackedSecret(context, own);
    if (!result)
      return notApplicable(`the token is signed with ${alg}, not with a shared HMAC secret`);
    // A dictionary can find a weak secret, never prove a strong one.
    if (result.secret === undefined)
      return ran(
        [],
        covered(1, 1, "tokens", [
          `the secret is none of the ${result.tried.toLocaleString("en-US")} candidates tried; a secret outside the list (one published with the code, say) is not ruled out`,
        ]),
      );
    const rate = result.perSecond.toLocaleString("en-US");
    return ran(
      [
        context.finding({
          title: `JWT ${alg} secret found in a dictionary`,
          detail: `The ${alg} token of ${own.holder} verifies with a well-known secret (${maskSecret(result.secret)}), candidate ${result.position ?? result.tried} of Rampart's list: anyone can sign tokens with any claims.`,
          evidence: {
            note: `secret ${maskSecret(result.secret)}; candidate ${result.position ?? result.tried} of the bundled list; ${rate} HMAC candidates/s measured over ${result.tried}; header ${JSON.stringify(own.jwt.header)}; token redacted`,
          },
          subject: "secret",
        }),
      ],
      whole("tokens"),
    );
  },
};
