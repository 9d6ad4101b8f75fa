import { isLoopbackHost } from "../../../core/loopback.js";
import { isJsonResponse } from "../../discovery.js";
import type { ScanCheck } from "../../types.js";
import { ran, whole } from "../outcome.js";
import { redirectsToHttps, variantsOf } from "./variants.js";

/**
 * ACC-02, the transport: the API must not be served over plain HTTP. On an https:// target, the
 * host's plain-HTTP variants must redirect; on an http:// target the missing TLS itself is the
 * finding (and whether an HTTPS variant exists is said in it).
 */
export const plainHttpCheck: ScanCheck = {
  id: "acc-02-plain-http",
  items: ["ACC-02"],
  proves: ["ACC-02"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "API not served over plain HTTP",
  async run(context) {
    const { target } = context;
    const root = target.observed.find((o) => o.source === "root")?.exchange;
    if (target.base.protocol === "http:") {
      if (root && redirectsToHttps(root)) return ran([], whole("host"));
      const variants = variantsOf(context, "https:");
      let https: string | undefined;
      for (const origin of variants) {
        const answer = await context.http.trySend({
          url: `${origin}/`,
          transportProbe: true,
          anonymous: true,
        });
        if (answer) {
          https = origin;
          break;
        }
      }
      // Where TLS is someone else's job (a local run, a proxy that terminates it), plain HTTP here
      // says nothing of what clients get: worth knowing, not a vulnerability of this server.
      const elsewhere = target.behindTlsProxy
        ? "TLS ends at a proxy in front of it (--behind-tls-proxy): check the proxy's URL"
        : isLoopbackHost(target.base.hostname)
          ? "the target is loopback, where TLS usually ends at a proxy: scan the public https:// URL to judge the transport"
          : undefined;
      return ran(
        [
          context.finding({
            ...(elsewhere ? { severity: "info" as const } : {}),
            title: https
              ? "Plain HTTP served without a redirect to HTTPS"
              : "The API is served over plain HTTP only",
            detail: https
              ? `The API answers over plain HTTP at ${target.base.origin} although HTTPS is available at ${https}; clients that start on HTTP send tokens in clear text.`
              : `No HTTPS variant of ${target.base.host} answered; every request, tokens included, crosses the network in clear text.${elsewhere ? ` Reported as info: ${elsewhere}.` : ""}`,
            ...(root ? { exchange: root, headers: ["location", "content-type"] } : {}),
            evidence: {
              note: https
                ? `HTTPS answered at ${https}; plain HTTP did not redirect`
                : `checked for HTTPS at: ${variants.join(", ") || "(none known)"}`,
            },
            url: target.base.href,
            method: "GET",
            subject: https ? "no-redirect" : "no-tls",
          }),
        ],
        whole("host"),
      );
    }
    const findings = [];
    for (const origin of variantsOf(context, "http:")) {
      const answer = await context.http.trySend({
        url: `${origin}/`,
        transportProbe: true,
        anonymous: true,
      });
      // A 4xx that is not the API (nginx's "plain HTTP request sent to HTTPS port") serves nothing.
      if (!answer || redirectsToHttps(answer)) continue;
      if (answer.status >= 300 && !isJsonResponse(answer)) continue;
      findings.push(
        context.finding({
          title: "Plain HTTP served without a redirect to HTTPS",
          detail: `${origin} answers ${answer.status} over plain HTTP instead of redirecting to HTTPS; clients that start on HTTP send tokens in clear text.`,
          exchange: answer,
          headers: ["location", "content-type"],
          subject: "no-redirect",
        }),
      );
    }
    return ran(findings, whole("host"));
  },
};
