import { randomBytes } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import type { CheckContext, ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";
import {
  authorize,
  codeRequest,
  newPkce,
  type OAuthSetup,
  oauthSetup,
  redeem,
  redirectEvidence,
  sameTarget,
} from "./authorize.js";

/**
 * What the server grants for a requested scope (`undefined` scope: none requested): the granted
 * scope from the token response (RFC 6749 5.1: absent means as requested), or undefined when
 * the request was refused or the grant could not be learnt.
 */
async function granted(
  context: CheckContext,
  setup: OAuthSetup,
  scope: string | undefined,
): Promise<{ scopes: string[]; evidence: Finding["evidence"]; url: string } | undefined> {
  const pkce = newPkce();
  const { scope: _s, ...request } = codeRequest(setup, pkce);
  const answer = await authorize(context, setup, {
    ...request,
    ...(scope !== undefined ? { scope } : {}),
  });
  const code = answer?.params.get("code");
  if (!answer || answer.refused || !code || !sameTarget(answer.location, setup.redirectUri))
    return undefined;
  const token = await redeem(context, setup, code, pkce);
  if (!token) return undefined;
  const scopes = (token.scope ?? scope ?? "").split(" ").filter((s) => s !== "");
  return {
    scopes,
    evidence: {
      ...redirectEvidence(answer),
      note: `token endpoint answered ${token.exchange.status} with scope ${JSON.stringify(token.scope ?? "(absent: as requested)")}`,
    },
    url: answer.exchange.url,
  };
}

/**
 * OAUTH-04: scopes are validated per client (unknown and elevated scopes refused or dropped,
 * RFC 6749 3.3) and a request without scope gets a default one rather than an empty grant.
 * Learning the granted scope takes the token endpoint (from the metadata): without one, the
 * check stays silent rather than guess from the code alone.
 */
export const oauthScopesCheck: ScanCheck = {
  id: "oauth-04-scopes",
  items: ["OAUTH-04"],
  proves: ["OAUTH-04"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Scopes validated, default scope applied",
  async run(context) {
    const setup = await oauthSetup(context);
    if (typeof setup === "string") return notTested(setup);
    if (!setup.tokenUrl)
      return notTested("no token endpoint in the metadata to learn the granted scope");
    const findings: Finding[] = [];
    const probes = [
      { scope: "admin", title: "Elevated scope granted: admin", severity: "high" as const },
      {
        scope: `rampart-unknown-${randomBytes(4).toString("hex")}`,
        title: "Unknown scope granted",
        severity: "medium" as const,
      },
    ].filter((p) => !setup.scopes.includes(p.scope));
    for (const probe of probes) {
      const grant = await granted(context, setup, probe.scope);
      if (!grant?.scopes.includes(probe.scope)) continue;
      findings.push(
        context.finding({
          severity: probe.severity,
          title: probe.title,
          detail: `Client "${setup.clientId}" asked for scope "${probe.scope}" and was granted it: scopes are not checked against what the client may request (RFC 6749 3.3).`,
          evidence: grant.evidence,
          url: grant.url,
          method: "GET",
          subject: probe.scope.startsWith("rampart-unknown") ? "unknown" : probe.scope,
        }),
      );
    }
    const none = await granted(context, setup, undefined);
    if (none && none.scopes.length === 0)
      findings.push(
        context.finding({
          severity: "medium",
          title: "No default scope: a request without scope gets an empty grant",
          detail:
            "An authorization request without scope was granted an empty scope instead of a default one (or an invalid_scope error, RFC 6749 3.3): what an empty scope allows is left to each resource server.",
          evidence: none.evidence,
          url: none.url,
          method: "GET",
          subject: "default",
        }),
      );
    return ran(findings, whole("authorization endpoints"));
  },
};
