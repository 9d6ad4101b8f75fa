import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { mediaTypeOf } from "./response-type.js";

/** Secrets no API response should carry: private keys, cloud and platform keys, password hashes. */
const SECRETS =
  /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bAIza[0-9A-Za-z_-]{35}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bxox[abpors]-[A-Za-z0-9-]{10,}\b|\bsk_live_[A-Za-z0-9]{24,}\b|\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$[^\s"']+|\$[56]\$[^\s"'$]{1,16}\$[./A-Za-z0-9]{43,86}/g;

const TEXTUAL = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|yaml|x-yaml|javascript)$)/;

/** Whether a text contains a secret {@link responseSecretsPolicy} looks for. */
export function containsSecret(text: string): boolean {
  SECRETS.lastIndex = 0;
  const found = SECRETS.test(text);
  SECRETS.lastIndex = 0;
  return found;
}

/**
 * Optional response secret detection (OUT-06): `block` answers 502, `redact` replaces each
 * secret with `[REDACTED]`. Off by default because it reads every textual response whole.
 */
export const responseSecretsPolicy: GuardPolicy = {
  id: "response-secrets",
  items: ["OUT-06"],
  title: "Private keys, cloud keys and password hashes blocked or redacted in responses",
  create(route) {
    const { mode, maxBytes } = route.policies.secrets;
    if (mode === "off") return undefined;
    const refused = rejection(
      responseSecretsPolicy,
      502,
      "Bad Gateway",
      "The upstream response contained a secret and was withheld.",
    );
    return {
      onResponseHead: (head) =>
        TEXTUAL.test(mediaTypeOf(head.headers["content-type"])) ? maxBytes : undefined,
      onResponseBody(body) {
        const text = body.toString("utf8");
        if (!containsSecret(text)) return undefined;
        if (mode === "block") return refused;
        return { body: Buffer.from(text.replace(SECRETS, "[REDACTED]"), "utf8") };
      },
    };
  },
};
