import { AUTH_DEFAULTS } from "../guard/auth/schema.js";
import { LIMIT_DEFAULTS } from "../guard/config/limits-schema.js";
import { LOCKOUT_DEFAULTS } from "../guard/config/lockout-schema.js";
import { OAUTH_AUTHORIZE_DEFAULTS } from "../guard/config/oauth-schema.js";
import { GUARD_DEFAULTS } from "../guard/config/schema.js";
import { DETECTION_DEFAULTS } from "../guard/detect/schema.js";
import { TOKENS_DEFAULTS } from "../guard/tokens/schema.js";

/**
 * Where the defaults of the guard's keys live: the guard keeps them in frozen objects beside
 * their reasons rather than in the schema. Each entry maps a key prefix of the config reference
 * to the object its remaining path is read from; the longest prefix wins.
 */
const SOURCES: readonly (readonly [string, unknown])[] = [
  ["guard", GUARD_DEFAULTS],
  ["guard.upstreams.<name>", GUARD_DEFAULTS.upstream],
  ["guard.defaults", GUARD_DEFAULTS.route],
  ["guard.routes[]", GUARD_DEFAULTS.route],
  ["guard.defaults.policies", GUARD_DEFAULTS.policies],
  ["guard.routes[].policies", GUARD_DEFAULTS.policies],
  ["guard.defaults.limits[]", LIMIT_DEFAULTS],
  ["guard.routes[].limits[]", LIMIT_DEFAULTS],
  ["guard.routes[].lockout", LOCKOUT_DEFAULTS],
  ["guard.routes[].oauthAuthorize", OAUTH_AUTHORIZE_DEFAULTS],
  ["guard.auth.issuers[]", AUTH_DEFAULTS.issuer],
  ["guard.auth.apiKeys[]", AUTH_DEFAULTS.apiKey],
  ["guard.tokens", TOKENS_DEFAULTS],
  ["guard.detection", DETECTION_DEFAULTS],
  ["guard.alerts", DETECTION_DEFAULTS.alerts],
];

/**
 * The default of a key of the config reference, when one of the guard's defaults objects holds
 * a plain value (or a list) for it; undefined otherwise.
 *
 * @example
 * ```ts
 * guardDefault("guard.server.headersTimeoutMs"); // 10000
 * guardDefault("guard.routes[].public"); // false
 * ```
 */
export function guardDefault(path: string): unknown {
  let best: readonly [string, unknown] | undefined;
  for (const source of SOURCES)
    if (
      (path === source[0] || path.startsWith(`${source[0]}.`)) &&
      source[0].length > (best?.[0].length ?? -1)
    )
      best = source;
  if (!best || path === best[0]) return undefined;
  let node = best[1];
  for (const segment of path.slice(best[0].length + 1).split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment.replace(/\[\]$/, "")];
  }
  if (node === undefined || (typeof node === "object" && node !== null && !Array.isArray(node)))
    return undefined;
  return node;
}
