import { lockoutCheck } from "./checks/abuse/lockout.js";
import { loginBurstCheck } from "./checks/abuse/login-burst.js";
import { rateLimitCheck, rateLimitHeadersCheck } from "./checks/abuse/rate-limit.js";
import { directoryListingCheck, listingSeenCheck } from "./checks/access/directory-listing.js";
import { bolaReadCheck, bolaWriteCheck } from "./checks/access-control/bola.js";
import { formIdCheck } from "./checks/access-control/form-id.js";
import { guessableIdsCheck } from "./checks/access-control/guessable-ids.js";
import { integerIdsCheck } from "./checks/access-control/integer-ids.js";
import { methodSwitchCheck } from "./checks/access-control/method-switch.js";
import { missingAuthCheck } from "./checks/access-control/missing-auth.js";
import { relationWriteCheck } from "./checks/access-control/relations.js";
import { userDataCheck } from "./checks/access-control/user-data.js";
import { userIdInPathCheck } from "./checks/access-control/user-id-in-path.js";
import { userQueryCheck } from "./checks/access-control/user-query.js";
import { userRecordsCheck } from "./checks/access-control/user-records.js";
import { basicAuthCheck } from "./checks/auth/basic-auth.js";
import { cacheControlCheck } from "./checks/beyond/cache-control.js";
import { cookieFlagsCheck } from "./checks/beyond/cookies.js";
import { corsCheck } from "./checks/beyond/cors.js";
import { securityTxtCheck } from "./checks/beyond/security-txt.js";
import { INJECTION_CHECKS } from "./checks/injection/index.js";
import { credentialsInUrlCheck } from "./checks/input/credentials-in-url.js";
import { limitsCheck } from "./checks/input/limits.js";
import { methodOverrideCheck } from "./checks/input/method-override.js";
import { methodsCheck } from "./checks/input/methods.js";
import { notAcceptableCheck } from "./checks/input/not-acceptable.js";
import { unsupportedMediaTypeCheck } from "./checks/input/unsupported-media-type.js";
import { JWT_CHECKS } from "./checks/jwt/index.js";
import { massAssignmentCheck } from "./checks/mass-assignment/mass-assignment.js";
import { oauthFlowsCheck } from "./checks/oauth/flows.js";
import { redirectUriCheck } from "./checks/oauth/redirect-uri.js";
import { oauthScopesCheck } from "./checks/oauth/scopes.js";
import { oauthStateCheck } from "./checks/oauth/state.js";
import { contentTypeCheck } from "./checks/output/content-type.js";
import { fingerprintCheck } from "./checks/output/fingerprint.js";
import { formatParamCheck } from "./checks/output/format-param.js";
import { secretsCheck } from "./checks/output/secrets.js";
import { cspCheck, frameOptionsCheck, nosniffCheck } from "./checks/output/security-headers.js";
import { errorStatusCheck, statusCodesCheck } from "./checks/output/status-codes.js";
import { xmlExpansionCheck, yamlExpansionCheck } from "./checks/parsers/expansion.js";
import { xxeCheck } from "./checks/parsers/xxe.js";
import { debugCheck, stackTraceCheck } from "./checks/processing/debug.js";
import { graphqlIntrospectionCheck } from "./checks/processing/graphql.js";
import { redosCheck } from "./checks/processing/redos.js";
import { hstsCheck } from "./checks/transport/hsts.js";
import { plainHttpCheck } from "./checks/transport/plain-http.js";
import { tlsCheck } from "./checks/transport/tls.js";
import type { ScanCheck } from "./types.js";

/**
 * Every check that `rampart scan` registers, in checklist order. `rampart checklist` computes
 * coverage from this list, so a check counts only once it is registered here. Passive checks
 * (with `inspect`) read every exchange of the scan and report after the active ones.
 */
export const SCAN_CHECKS: readonly ScanCheck[] = Object.freeze([
  basicAuthCheck,
  ...JWT_CHECKS,
  lockoutCheck,
  rateLimitHeadersCheck,
  rateLimitCheck,
  loginBurstCheck,
  plainHttpCheck,
  tlsCheck,
  hstsCheck,
  directoryListingCheck,
  listingSeenCheck,
  methodsCheck,
  methodOverrideCheck,
  notAcceptableCheck,
  unsupportedMediaTypeCheck,
  ...INJECTION_CHECKS,
  credentialsInUrlCheck,
  xxeCheck,
  xmlExpansionCheck,
  yamlExpansionCheck,
  debugCheck,
  stackTraceCheck,
  graphqlIntrospectionCheck,
  redosCheck,
  nosniffCheck,
  frameOptionsCheck,
  cspCheck,
  fingerprintCheck,
  contentTypeCheck,
  formatParamCheck,
  secretsCheck,
  statusCodesCheck,
  errorStatusCheck,
  corsCheck,
  cookieFlagsCheck,
  cacheControlCheck,
  securityTxtCheck,
  missingAuthCheck,
  methodSwitchCheck,
  userDataCheck,
  bolaReadCheck,
  bolaWriteCheck,
  userIdInPathCheck,
  userRecordsCheck,
  userQueryCheck,
  relationWriteCheck,
  formIdCheck,
  guessableIdsCheck,
  integerIdsCheck,
  redirectUriCheck,
  oauthFlowsCheck,
  oauthStateCheck,
  oauthScopesCheck,
  massAssignmentCheck,
  limitsCheck,
]);
