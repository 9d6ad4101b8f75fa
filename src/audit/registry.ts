import type { AuditRule } from "./rule.js";
import { basicAuthScheme } from "./rules/basic-auth-scheme.js";
import { idWithoutFormat } from "./rules/id-without-format.js";
import { integerId } from "./rules/integer-id.js";
import { longRunningSync } from "./rules/long-running-sync.js";
import { methodSemantics } from "./rules/method-semantics.js";
import { missingErrorResponses } from "./rules/missing-error-responses.js";
import { multipartUpload } from "./rules/multipart-upload.js";
import { noRateLimit } from "./rules/no-rate-limit.js";
import { oauthLegacyFlow } from "./rules/oauth-legacy-flow.js";
import { oauthMissingScopes } from "./rules/oauth-missing-scopes.js";
import { openRequestObject } from "./rules/open-request-object.js";
import { operationWithoutSecurity } from "./rules/operation-without-security.js";
import { plainHttpUrl } from "./rules/plain-http-url.js";
import { privilegedPropertyWritable } from "./rules/privileged-property-writable.js";
import { requestMediaType } from "./rules/request-media-type.js";
import { responseMediaType } from "./rules/response-media-type.js";
import { secretInResponse } from "./rules/secret-in-response.js";
import { secretInUrl } from "./rules/secret-in-url.js";
import { secretNotWriteOnly } from "./rules/secret-not-write-only.js";
import { unboundedInput } from "./rules/unbounded-input.js";
import { unpaginatedCollection } from "./rules/unpaginated-collection.js";
import { userIdInPath } from "./rules/user-id-in-path.js";

/**
 * Every rule that `rampart audit` registers, as metadata plus its function. `rampart checklist`
 * computes coverage from this list, so a rule counts only once it is registered here.
 */
export const AUDIT_RULES: readonly AuditRule[] = Object.freeze([
  basicAuthScheme,
  secretInResponse,
  secretNotWriteOnly,
  noRateLimit,
  plainHttpUrl,
  oauthLegacyFlow,
  oauthMissingScopes,
  methodSemantics,
  requestMediaType,
  responseMediaType,
  unboundedInput,
  openRequestObject,
  idWithoutFormat,
  secretInUrl,
  operationWithoutSecurity,
  userIdInPath,
  integerId,
  multipartUpload,
  unpaginatedCollection,
  longRunningSync,
  missingErrorResponses,
  privilegedPropertyWritable,
]);
