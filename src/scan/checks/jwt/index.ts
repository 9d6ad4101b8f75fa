import type { ScanCheck } from "../../types.js";
import { jwtClaimsCheck } from "./claims.js";
import { jwtForgeryCheck } from "./forgery.js";
import { jwtKeyUrlCheck } from "./key-url.js";
import { jwtLifetimeCheck } from "./lifetime.js";
import { sessionRandomnessCheck } from "./session-randomness.js";
import { jwtSizeCheck } from "./size.js";
import { jwtWeakSecretCheck } from "./weak-secret.js";

/** The token checks of `rampart scan`, in checklist order: AUTH-02, then JWT-01..05. */
export const JWT_CHECKS: readonly ScanCheck[] = Object.freeze([
  sessionRandomnessCheck,
  jwtWeakSecretCheck,
  jwtForgeryCheck,
  jwtKeyUrlCheck,
  jwtLifetimeCheck,
  jwtClaimsCheck,
  jwtSizeCheck,
]);

export {
  jwtClaimsCheck,
  jwtForgeryCheck,
  jwtKeyUrlCheck,
  jwtLifetimeCheck,
  jwtSizeCheck,
  jwtWeakSecretCheck,
  sessionRandomnessCheck,
};
