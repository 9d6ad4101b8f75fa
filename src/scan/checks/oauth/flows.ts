import type { Finding } from "../../../core/finding.js";
import type { ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";
import {
  authorize,
  codeRequest,
  newPkce,
  oauthSetup,
  redirectEvidence,
  sameTarget,
} from "./authorize.js";

/**
 * OAUTH-02: the implicit grant is refused (`response_type=token`, RFC 9700 2.1.2) and codes are
 * issued only against a PKCE challenge (RFC 9700 2.1.1, RFC 7636).
 */
export const oauthFlowsCheck: ScanCheck = {
  id: "oauth-02-flows",
  items: ["OAUTH-02"],
  proves: ["OAUTH-02"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Code flow with PKCE only",
  async run(context) {
    const setup = await oauthSetup(context);
    if (typeof setup === "string") return notTested(setup);
    const findings: Finding[] = [];
    const {
      code_challenge: _c,
      code_challenge_method: _m,
      ...withoutPkce
    } = codeRequest(setup, newPkce());
    const implicit = await authorize(context, setup, {
      ...withoutPkce,
      response_type: "token",
    });
    if (
      implicit &&
      !implicit.refused &&
      implicit.params.has("access_token") &&
      sameTarget(implicit.location, setup.redirectUri)
    )
      findings.push(
        context.finding({
          title: "Implicit grant accepted (response_type=token)",
          detail:
            "The authorization endpoint answered response_type=token with an access token in the redirect, where browser history, logs and Referer headers expose it (RFC 9700 2.1.2).",
          evidence: redirectEvidence(implicit),
          url: implicit.exchange.url,
          method: "GET",
          subject: "implicit",
        }),
      );
    const noPkce = await authorize(context, setup, withoutPkce);
    if (
      noPkce &&
      !noPkce.refused &&
      noPkce.params.has("code") &&
      sameTarget(noPkce.location, setup.redirectUri)
    )
      findings.push(
        context.finding({
          severity: "medium",
          title: "Authorization code issued without PKCE",
          detail:
            "A code-flow request without code_challenge was answered with a code: an intercepted or injected code can be redeemed without proof of possession (RFC 9700 2.1.1, RFC 7636).",
          evidence: redirectEvidence(noPkce),
          url: noPkce.exchange.url,
          method: "GET",
          subject: "pkce",
        }),
      );
    return ran(findings, whole("authorization endpoints"));
  },
};
