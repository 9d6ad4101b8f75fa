import type { ScanCheck } from "../../types.js";
import { nosqlInjectionCheck } from "./nosql.js";
import { commandInjectionCheck, pathTraversalCheck, templateInjectionCheck } from "./provoke.js";
import { sqlInjectionCheck } from "./sql.js";
import { typeConfusionCheck } from "./type-confusion.js";
import { reflectedXssCheck } from "./xss.js";

/** The IN-04 checks (`full` profile), in the order the registry lists them. */
export const INJECTION_CHECKS: readonly ScanCheck[] = Object.freeze([
  sqlInjectionCheck,
  nosqlInjectionCheck,
  reflectedXssCheck,
  templateInjectionCheck,
  pathTraversalCheck,
  commandInjectionCheck,
  typeConfusionCheck,
]);

export {
  commandInjectionCheck,
  nosqlInjectionCheck,
  pathTraversalCheck,
  reflectedXssCheck,
  sqlInjectionCheck,
  templateInjectionCheck,
  typeConfusionCheck,
};
