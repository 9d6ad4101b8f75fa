import type { Covering } from "../catalog/coverage.js";
import { acceptPolicy } from "./policies/accept.js";
import { authenticationPolicy } from "./policies/authentication.js";
import { bodyLimitPolicy } from "./policies/body-limit.js";
import { contentTypePolicy } from "./policies/content-type.js";
import { cookieFlagsPolicy } from "./policies/cookie-flags.js";
import { debugScrubPolicy } from "./policies/debug-scrub.js";
import { directoryListingPolicy } from "./policies/directory-listing.js";
import { ipAllowPolicy } from "./policies/ip-allow.js";
import { jsonBodyPolicy } from "./policies/json-body.js";
import { lockoutPolicy } from "./policies/lockout.js";
import { methodOverrideBodyPolicy } from "./policies/method-override-body.js";
import { normalizePolicy } from "./policies/normalize.js";
import { oauthAuthorizePolicy } from "./policies/oauth-authorize.js";
import { openApiValidationPolicy } from "./policies/openapi-validation.js";
import { queryCredentialsPolicy } from "./policies/query-credentials.js";
import { rateLimitPolicy } from "./policies/rate-limit.js";
import { requestBodyPolicy } from "./policies/request-body.js";
import { responseSecretsPolicy } from "./policies/response-secrets.js";
import { responseTypePolicy } from "./policies/response-type.js";
import { routingPolicy } from "./policies/routing.js";
import { scopesPolicy } from "./policies/scopes.js";
import { securityHeadersPolicy } from "./policies/security-headers.js";
import { tokenExchangePolicy } from "./policies/token-exchange.js";
import { xmlBodyPolicy } from "./policies/xml-body.js";
import { yamlBodyPolicy } from "./policies/yaml-body.js";
import type { GuardPolicy } from "./policy.js";

/**
 * The per-route policies in the order of the request path (DESIGN.md): access, negotiation,
 * content type and coding, size, credentials in the URL, authentication (and scopes), rate limits, login
 * lockout, body checks (the OpenAPI document's last: the body is known to parse); then the response
 * policies in the order their body hooks run (a listing is a 404 before it is a wrong type).
 */
export const ROUTE_POLICIES: readonly GuardPolicy[] = Object.freeze([
  ipAllowPolicy,
  acceptPolicy,
  contentTypePolicy,
  requestBodyPolicy,
  bodyLimitPolicy,
  queryCredentialsPolicy,
  oauthAuthorizePolicy,
  authenticationPolicy,
  scopesPolicy,
  tokenExchangePolicy,
  rateLimitPolicy,
  lockoutPolicy,
  jsonBodyPolicy,
  methodOverrideBodyPolicy,
  xmlBodyPolicy,
  yamlBodyPolicy,
  openApiValidationPolicy,
  securityHeadersPolicy,
  cookieFlagsPolicy,
  directoryListingPolicy,
  debugScrubPolicy,
  responseTypePolicy,
  responseSecretsPolicy,
]);

/**
 * Every policy that `rampart guard` registers, as metadata. `rampart checklist` computes coverage
 * from this list, so a policy counts only once it is registered here.
 */
export const GUARD_POLICIES: readonly Covering[] = Object.freeze([
  { id: normalizePolicy.id, items: normalizePolicy.items },
  { id: routingPolicy.id, items: routingPolicy.items },
  ...ROUTE_POLICIES.map((p) => ({ id: p.id, items: p.items })),
  { id: "tls-modern", items: ["ACC-02"] },
  { id: "access-log", items: ["MON-01", "MON-04"] },
  { id: "metrics", items: ["MON-02"] },
  { id: "abuse-detection", items: ["MON-05"] },
  { id: "alerts", items: ["MON-03"] },
]);
