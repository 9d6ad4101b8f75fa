import { Type } from "@sinclair/typebox";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { policyOptions } from "../policy-options.js";
import { foldParameterName } from "./normalize.js";

/** `policies.queryCredentials` in the config: what can be set, and the defaults (the secure choice). */
export const queryCredentialsOptions = policyOptions(
  "queryCredentials",
  Type.Object(
    {
      names: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 200 })),
      refuseJwtValues: Type.Optional(Type.Boolean()),
      refuseCredentialValues: Type.Optional(
        Type.Boolean({
          description: "refuse values shaped like Bearer / Basic credentials or platform keys",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  {
    /**
     * Query parameters that carry credentials (IN-05); compared case-insensitively. Names as
     * broad as `key` or `session` are left out: APIs use them for ordinary lookups.
     */
    names: Object.freeze([
      "access_token",
      "id_token",
      "refresh_token",
      "token",
      "jwt",
      "api_key",
      "apikey",
      "api-key",
      "x-api-key",
      "password",
      "passwd",
      "pwd",
      "secret",
      "client_secret",
      "authorization",
      "sessionid",
      "session_id",
    ]) as readonly string[],
    /** Values that are JWTs are refused whatever the parameter's name. */
    refuseJwtValues: true,
    /**
     * Values shaped like credentials are refused whatever the parameter's name: an
     * Authorization value (`Bearer ...`, `Basic ...`) or a platform key (`sk_live_`, `ghp_`, ...).
     */
    refuseCredentialValues: true,
  },
);

/** A JWT anywhere in a value: after a scheme ("Bearer eyJ...") or a separator too. */
const JWT_VALUE = /(?:^|[\s:=,])eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\./;

/**
 * An Authorization field value (RFC 9110 11.4: scheme, space, token68) of a scheme that carries
 * a credential, with a token long enough not to be prose ("bearer of news" is not one).
 */
const SCHEME_VALUE = /^(?:bearer|basic|token|apikey|api-key|digest)\s+[A-Za-z0-9._~+/=-]{12,}/i;

/** Platform keys whose prefixes name them (Stripe, GitHub, Slack, AWS, Google). */
const KEY_VALUE =
  /^(?:[sr]k_live_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{36}|xox[abpors]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[A-Z0-9]{16}|AIza[0-9A-Za-z_-]{35})$/;

/**
 * 400 when the query string carries credentials (IN-05): URLs end up in logs, browser history
 * and Referer headers. Names are compared as upstream stacks read them (percent-decoded, case
 * folded, ".", " " and "-" as "_" as PHP folds them, every bracketed part apart:
 * `auth[access.token]` is `access_token`); values by their shape (a JWT, a `Bearer` or `Basic`
 * credential, a platform key) whatever the name.
 */
export const queryCredentialsPolicy: GuardPolicy = {
  id: "query-credentials",
  options: queryCredentialsOptions,
  items: ["IN-05"],
  title: "400 when credentials are sent in the query string",
  create(route) {
    const options = route.policies.queryCredentials;
    const names = new Set(options.names.flatMap((n) => foldParameterName(n)));
    const refuseJwt = options.refuseJwtValues;
    const refuseShapes = options.refuseCredentialValues;
    const refused = rejection(
      queryCredentialsPolicy,
      400,
      "Bad Request",
      "Credentials belong in the Authorization header, never in the URL.",
    );
    return {
      onRequest(ctx) {
        const query = ctx.query;
        if (query.length <= 1) return undefined;
        for (const pair of query.slice(1).split(/[&;]/)) {
          const eq = pair.indexOf("=");
          for (const name of foldParameterName(eq === -1 ? pair : pair.slice(0, eq)))
            if (names.has(name)) return refused;
          if (eq === -1 || (!refuseJwt && !refuseShapes)) continue;
          const value = decode(pair.slice(eq + 1)).trim();
          if (refuseJwt && JWT_VALUE.test(value)) return refused;
          if (refuseShapes && (SCHEME_VALUE.test(value) || KEY_VALUE.test(value))) return refused;
        }
        return undefined;
      },
    };
  },
};

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
