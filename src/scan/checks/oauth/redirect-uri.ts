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

/** A host no one can register: `.test` is reserved (RFC 2606). */
const EVIL = "rampart-evil.test";

/**
 * Variants of a registered redirect URI that an exact-match server refuses (RFC 9700 2.1,
 * 4.1.3; RFC 6749 3.1.2.2): other hosts, look-alike hosts, path and parameter tricks, userinfo
 * and encoding tricks.
 *
 * @example
 * ```ts
 * redirectTricks("https://client.test/cb").find((t) => t.name === "userinfo")?.uri; // "https://client.test@rampart-evil.test/cb"
 * ```
 */
export function redirectTricks(
  registered: string,
): { name: string; uri: string; severity: "high" | "medium" }[] {
  const url = new URL(registered);
  const host = url.host;
  const path = url.pathname;
  const scheme = url.protocol;
  return [
    { name: "foreign host", uri: `${scheme}//${EVIL}${path}`, severity: "high" },
    {
      name: "sub-domain",
      uri: `${scheme}//${EVIL.split(".")[0]}.${host}${path}`,
      severity: "high",
    },
    { name: "host suffix", uri: `${scheme}//${host}.${EVIL}${path}`, severity: "high" },
    {
      name: "host prefix",
      uri: `${scheme}//${EVIL.split(".")[0]}${host}${path}`,
      severity: "high",
    },
    { name: "userinfo", uri: `${scheme}//${host}@${EVIL}${path}`, severity: "high" },
    { name: "encoded slash", uri: `${scheme}//${EVIL}%2F${host}${path}`, severity: "high" },
    { name: "encoded at sign", uri: `${scheme}//${host}%40${EVIL}${path}`, severity: "high" },
    {
      name: "path traversal",
      uri: `${scheme}//${host}${path.replace(/\/?$/, "/")}../rampart-evil`,
      severity: "medium",
    },
    {
      name: "path suffix",
      uri: `${scheme}//${host}${path.replace(/\/?$/, "/")}rampart-evil`,
      severity: "medium",
    },
    {
      name: "extra parameter",
      uri: `${registered}${url.search ? "&" : "?"}rampart_next=https%3A%2F%2F${EVIL}%2F`,
      severity: "medium",
    },
    ...(scheme === "https:"
      ? [{ name: "plain http", uri: `http://${host}${path}`, severity: "medium" as const }]
      : []),
  ];
}

/**
 * OAUTH-01: the authorization endpoint redirects only to the exact registered URI. A trick is
 * accepted when the answer is a redirect to the tricked URI (not followed: the Location header
 * is the evidence), with or without an error.
 */
export const redirectUriCheck: ScanCheck = {
  id: "oauth-01-redirect-uri",
  items: ["OAUTH-01"],
  proves: ["OAUTH-01"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "redirect_uri matched exactly against the registered one",
  async run(context) {
    const setup = await oauthSetup(context);
    if (typeof setup === "string") return notTested(setup);
    const findings: Finding[] = [];
    for (const trick of redirectTricks(setup.redirectUri)) {
      const answer = await authorize(context, setup, {
        ...codeRequest(setup, newPkce()),
        redirect_uri: trick.uri,
      });
      if (!answer?.location) continue;
      const tricked = safeUrl(trick.uri);
      const leaves =
        !sameTarget(answer.location, setup.redirectUri) && sameTarget(answer.location, trick.uri);
      const keepsExtra =
        trick.name === "extra parameter" && answer.location.searchParams.has("rampart_next");
      if (!tricked || !(leaves || keepsExtra)) continue;
      findings.push(
        context.finding({
          severity: trick.severity,
          title: `redirect_uri trick accepted: ${trick.name}`,
          detail: `The authorization endpoint redirected to ${trick.uri} (${trick.name}) for client "${setup.clientId}", whose registered redirect URI is ${setup.redirectUri}: codes and tokens can be sent where an attacker reads them. Match redirect URIs exactly (RFC 9700 4.1.3).`,
          evidence: redirectEvidence(answer),
          url: answer.exchange.url,
          method: "GET",
          subject: trick.name,
        }),
      );
    }
    return ran(findings, whole("authorization endpoints"));
  },
};

function safeUrl(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}
