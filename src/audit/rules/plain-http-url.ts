import { childPointer } from "../../openapi/pointer.js";
import { oauthFlows, securitySchemes } from "../../openapi/security-schemes.js";
import type { AuditRule, RuleHit } from "../rule.js";
import { asObject, isLoopbackUrl } from "../schemas.js";

const OAUTH_URLS = ["authorizationUrl", "tokenUrl", "refreshUrl"] as const;

/**
 * ACC-02 / AUTH-04: servers and OAuth endpoints over plain HTTP expose credentials and data in
 * transit. Loopback servers are development servers: reported as info only.
 */
export const plainHttpUrl: AuditRule = {
  id: "plain-http-url",
  items: ["ACC-02", "AUTH-04"],
  severity: "high",
  title: "Server or OAuth URL over plain HTTP",
  tags: ["transport", "access"],
  looksFor:
    "Servers, Swagger 2.0 schemes and OAuth URLs that use http:// (loopback addresses are info).",
  example: "servers:\n  - url: http://api.example.com",
  fix: "Use https:// URLs only (TLS 1.2+) and redirect or refuse plain HTTP.",
  run({ doc, operations }) {
    const hits: RuleHit[] = [];
    const check = (pointer: string, url: unknown, what: string): void => {
      if (typeof url !== "string" || !/^http:\/\//i.test(url.trim())) return;
      const local = isLoopbackUrl(url.trim());
      hits.push({
        pointer,
        ...(local ? { severity: "info" as const } : {}),
        detail: local
          ? `${what} ${url} is plain HTTP on loopback: fine for development, never for a deployed API.`
          : `${what} ${url} is plain HTTP: tokens, credentials and data cross the network unencrypted.`,
      });
    };
    if (doc.version === "2.0") {
      const schemes = doc.resolve("/schemes");
      const host = doc.resolve("/host");
      if (Array.isArray(schemes) && schemes.includes("http"))
        check("/schemes", `http://${typeof host === "string" ? host : "(host)"}`, "The API scheme");
    } else {
      const bases = [
        "",
        ...new Set(operations.flatMap((op) => [op.pointer, op.pointer.replace(/\/[^/]+$/, "")])),
      ];
      for (const base of bases) {
        const servers = doc.resolve(childPointer(base, "servers"));
        if (!Array.isArray(servers)) continue;
        servers.forEach((server, i) => {
          check(childPointer(base, "servers", i, "url"), asObject(server)?.url, "Server");
        });
      }
    }
    for (const scheme of securitySchemes(doc)) {
      if (scheme.value.type === "openIdConnect")
        check(
          childPointer(scheme.pointer, "openIdConnectUrl"),
          scheme.value.openIdConnectUrl,
          `OpenID Connect discovery URL of "${scheme.name}"`,
        );
      for (const { flow, pointer, value } of oauthFlows(doc, scheme))
        for (const key of OAUTH_URLS)
          check(childPointer(pointer, key), value[key], `OAuth ${flow} ${key} of "${scheme.name}"`);
    }
    return hits;
  },
};
