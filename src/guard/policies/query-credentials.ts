import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { foldParameterName } from "./normalize.js";

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
