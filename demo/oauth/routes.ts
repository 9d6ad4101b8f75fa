import type { DemoContext, Route } from "../types.js";

/** STUB (to be replaced): the oauth routes. */
export function oauthRoutes(_context: DemoContext): Route[] {
  return [];
}
