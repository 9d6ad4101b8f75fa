import type { DemoContext, Route } from "../types.js";

/** STUB (to be replaced): the imports routes. */
export function importsRoutes(_context: DemoContext): Route[] {
  return [];
}
