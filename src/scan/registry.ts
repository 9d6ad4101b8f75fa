import { directoryListingCheck } from "./checks/access/directory-listing.js";
import { basicAuthCheck } from "./checks/auth/basic-auth.js";
import { cacheControlCheck } from "./checks/beyond/cache-control.js";
import { cookieFlagsCheck } from "./checks/beyond/cookies.js";
import { corsCheck } from "./checks/beyond/cors.js";
import { securityTxtCheck } from "./checks/beyond/security-txt.js";
import { credentialsInUrlCheck } from "./checks/input/credentials-in-url.js";
import { methodOverrideCheck } from "./checks/input/method-override.js";
import { methodsCheck } from "./checks/input/methods.js";
import { notAcceptableCheck } from "./checks/input/not-acceptable.js";
import { unsupportedMediaTypeCheck } from "./checks/input/unsupported-media-type.js";
import { contentTypeCheck } from "./checks/output/content-type.js";
import { fingerprintCheck } from "./checks/output/fingerprint.js";
import { cspCheck, frameOptionsCheck, nosniffCheck } from "./checks/output/security-headers.js";
import { statusCodesCheck } from "./checks/output/status-codes.js";
import { debugCheck } from "./checks/processing/debug.js";
import { hstsCheck } from "./checks/transport/hsts.js";
import { plainHttpCheck } from "./checks/transport/plain-http.js";
import { tlsCheck } from "./checks/transport/tls.js";
import type { ScanCheck } from "./types.js";

/**
 * Every check that `rampart scan` registers, in checklist order. `rampart checklist` computes
 * coverage from this list, so a check counts only once it is registered here.
 */
export const SCAN_CHECKS: readonly ScanCheck[] = Object.freeze([
  basicAuthCheck,
  plainHttpCheck,
  tlsCheck,
  hstsCheck,
  directoryListingCheck,
  methodsCheck,
  methodOverrideCheck,
  notAcceptableCheck,
  unsupportedMediaTypeCheck,
  credentialsInUrlCheck,
  debugCheck,
  nosniffCheck,
  frameOptionsCheck,
  cspCheck,
  fingerprintCheck,
  contentTypeCheck,
  statusCodesCheck,
  corsCheck,
  cookieFlagsCheck,
  cacheControlCheck,
  securityTxtCheck,
]);
