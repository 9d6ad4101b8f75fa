import type { AuthOutcome, DemoContext, DemoRequest } from "../types.js";

/** STUB (to be replaced): resolves the caller from Authorization / X-API-Key / cookie / query. */
export async function authenticate(
  _request: DemoRequest,
  _context: DemoContext,
): Promise<AuthOutcome> {
  return { ok: false, status: 401, error: "not implemented", challenge: 'Bearer realm="demo"' };
}
