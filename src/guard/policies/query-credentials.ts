import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

const JWT_VALUE = /^eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\./;

/**
 * 400 when the query string carries credentials (IN-05): URLs end up in logs, browser history
 * and Referer headers. Names are compared after percent-decoding, case-insensitively, with
 * array suffixes (`token[]`) removed.
 */
export const queryCredentialsPolicy: GuardPolicy = {
  id: "query-credentials",
  items: ["IN-05"],
  title: "400 when credentials are sent in the query string",
  create(route) {
    const options = route.policies.queryCredentials;
    const names = new Set(options.names.map((n) => n.toLowerCase()));
    const refuseJwt = options.refuseJwtValues;
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
          const name = decode(eq === -1 ? pair : pair.slice(0, eq))
            .trim()
            .toLowerCase()
            .replace(/\[[^\]]*\]$/, "");
          if (names.has(name)) return refused;
          if (refuseJwt && eq !== -1 && JWT_VALUE.test(decode(pair.slice(eq + 1)).trim()))
            return refused;
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
