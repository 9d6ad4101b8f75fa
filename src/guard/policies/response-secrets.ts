import { Type } from "@sinclair/typebox";
import { StringEnum } from "../../core/validate.js";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { Bytes, policyOptions } from "../policy-options.js";
import { mediaTypeOf } from "./response-type.js";

/** `policies.secrets` in the config: what can be set, and the defaults (the secure choice). */
export const responseSecretsOptions = policyOptions(
  "secrets",
  Type.Object(
    {
      mode: Type.Optional(StringEnum(["off", "block", "redact"] as const)),
      maxBytes: Type.Optional(Bytes),
    },
    { additionalProperties: false },
  ),
  {
    /**
     * Off by default: it buffers every response. `block` answers 502, `redact` rewrites (a
     * binary body with a secret is withheld). Either way every body type and every header is
     * read, compressed bodies decoded, and a client's Range is not forwarded (a partial body
     * cannot be checked; a 206 is withheld).
     */
    mode: "off" as "off" | "block" | "redact",
    /** Larger responses cannot be inspected and are withheld (502) when it is on. */
    maxBytes: 1024 * 1024,
  },
);

/** Secrets no API response should carry: private keys, cloud and platform keys, password hashes. */
const SECRETS =
  /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bAIza[0-9A-Za-z_-]{35}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bxox[abpors]-[A-Za-z0-9-]{10,}\b|\bsk_live_[A-Za-z0-9]{24,}\b|\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$[^\s"']+|\$[56]\$[^\s"'$]{1,16}\$[./A-Za-z0-9]{43,86}/g;

const TEXTUAL =
  /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|yaml|x-yaml|javascript|x-ndjson)$)/;

/** Whether a text contains a secret {@link responseSecretsPolicy} looks for. */
export function containsSecret(text: string): boolean {
  SECRETS.lastIndex = 0;
  const found = SECRETS.test(text);
  SECRETS.lastIndex = 0;
  return found;
}

/**
 * Optional response secret detection (OUT-06): `block` answers 502, `redact` replaces each
 * secret with `[REDACTED]`. Every body is read whatever its type (binary ones as bytes, for the
 * text secrets they may hold; a binary body cannot be redacted and is withheld), decoded when the
 * upstream compressed it, and every response header, on every status. A client's Range is not
 * forwarded: a slice of a key is not recognisable as one, so the whole body is fetched and
 * checked, and a 206 the upstream sends anyway is withheld (RFC 9110 14.2 lets a server ignore
 * Range). Off by default because it reads every response whole.
 */
export const responseSecretsPolicy: GuardPolicy = {
  id: "response-secrets",
  options: responseSecretsOptions,
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
    const partial = rejection(
      responseSecretsPolicy,
      502,
      "Bad Gateway",
      "A partial response cannot be checked for secrets and was withheld.",
    );
    return {
      onRequest(ctx) {
        const headers = ctx.req.headers;
        if (headers.range !== undefined) delete headers.range;
        if (headers["if-range"] !== undefined) delete headers["if-range"];
        return undefined;
      },
      onResponseHead(head, ctx) {
        if (head.status === 206) return partial;
        const headers = head.headers;
        for (const name in headers) {
          const value = headers[name];
          if (value === undefined) continue;
          const values = Array.isArray(value) ? value : [value];
          if (!values.some(containsSecret)) continue;
          if (mode === "block") return refused;
          headers[name] = Array.isArray(value) ? value.map(redactText) : redactText(value);
        }
        const noBody = ctx.req.method === "HEAD" || head.status === 204 || head.status === 304;
        return noBody ? undefined : maxBytes;
      },
      onResponseBody(body, head) {
        // Bytes as Latin-1: one character each, so the ASCII patterns match in any body.
        if (!containsSecret(body.toString("latin1"))) return undefined;
        if (mode === "block" || !TEXTUAL.test(mediaTypeOf(head.headers["content-type"])))
          return refused;
        return { body: Buffer.from(redactText(body.toString("utf8")), "utf8") };
      },
    };
  },
};

function redactText(text: string): string {
  return text.replace(SECRETS, "[REDACTED]");
}
