import type { DemoContext, Route } from "../types.js";

/** STUB (to be replaced): the auth routes. */
export function authRoutes(_context: DemoContext): Route[] {
  return [];
}
