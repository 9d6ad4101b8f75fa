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

/** A state value with the characters a sloppy server mangles (RFC 6749 4.1.2: returned exactly). */
const TRICKY_STATE = "rampart+st/ate=1&x%20y";

/**
 * OAUTH-03: requests without `state` are refused, and `state` comes back exactly as sent
 * (RFC 6749 4.1.1, 4.1.2, 10.12).
 */
export const oauthStateCheck: ScanCheck = {
  id: "oauth-03-state",
  items: ["OAUTH-03"],
  proves: ["OAUTH-03"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "state required and echoed intact",
  async run(context) {
    const setup = await oauthSetup(context);
    if (typeof setup === "string") return notTested(setup);
    const findings: Finding[] = [];
    const { state: _s, ...withoutState } = codeRequest(setup, newPkce());
    const missing = await authorize(context, setup, withoutState);
    if (
      missing &&
      !missing.refused &&
      missing.params.has("code") &&
      sameTarget(missing.location, setup.redirectUri)
    )
      findings.push(
        context.finding({
          title: "Authorization request without state accepted",
          detail:
            "A request without state was answered with a code: nothing ties the answer to the browser that started the flow, which opens login CSRF (RFC 6749 10.12).",
          evidence: redirectEvidence(missing),
          url: missing.exchange.url,
          method: "GET",
          subject: "missing",
        }),
      );
    const echoed = await authorize(context, setup, {
      ...codeRequest(setup, newPkce()),
      state: TRICKY_STATE,
    });
    if (
      echoed?.location &&
      sameTarget(echoed.location, setup.redirectUri) &&
      echoed.params.get("state") !== TRICKY_STATE
    )
      findings.push(
        context.finding({
          title: "state not echoed intact",
          detail: `The redirect carried state ${JSON.stringify(echoed.params.get("state"))} for ${JSON.stringify(TRICKY_STATE)}: the client cannot match its own value (RFC 6749 4.1.2).`,
          evidence: redirectEvidence(echoed),
          url: echoed.exchange.url,
          method: "GET",
          subject: "echo",
        }),
      );
    return ran(findings, whole("authorization endpoints"));
  },
};
