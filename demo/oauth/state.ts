import type { DemoContext } from "../types.js";
import { type CodeStore, createCodeStore } from "./codes.js";

// Per-demo state hangs off the context (see auth/state.ts for why).
const stores = new WeakMap<DemoContext, CodeStore>();

/**
 * The authorization codes of a demo, on the clock of its authentication state.
 *
 * @example
 * ```ts
 * oauthCodes(context).find(code);
 * ```
 */
export function oauthCodes(context: DemoContext): CodeStore {
  let store = stores.get(context);
  if (!store) {
    const auth = context.auth;
    store = createCodeStore({ now: () => auth.now() });
    stores.set(context, store);
  }
  return store;
}
