import type { DemoContext, Route } from "../types.js";

/** STUB (to be replaced): the search routes. */
export function searchRoutes(_context: DemoContext): Route[] {
  return [];
}
