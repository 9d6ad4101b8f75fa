import { fileURLToPath } from "node:url";
import { createKeys } from "./auth/keys.js";
import { createAuthState } from "./auth/state.js";
import type { FlawId } from "./flaws.js";
import { createStore } from "./store.js";
import type { DemoContext } from "./types.js";

export interface DemoContextOptions {
  readonly flaws: ReadonlySet<FlawId>;
  /** The base URL, asked on each use: it is known only once the server listens. */
  readonly baseUrl: () => string;
  /** The demo's clock; tests pass a fake one instead of sleeping. Default: Date.now. */
  readonly now?: () => number;
}

/**
 * Builds the shared state of one demo: its flaws, store, signing keys and data folder.
 *
 * @example
 * ```ts
 * const context = await createDemoContext({ flaws: resolveFlaws("bola"), baseUrl: () => url });
 * context.has("bola"); // true
 * ```
 */
export async function createDemoContext(options: DemoContextOptions): Promise<DemoContext> {
  const flaws = new Set(options.flaws);
  const [store, keys] = await Promise.all([createStore(flaws), createKeys(flaws)]);
  const now = options.now ?? Date.now;
  return {
    flaws,
    has: (flaw) => flaws.has(flaw),
    store,
    keys,
    // The build copies demo/data next to the compiled module (dist/demo/data).
    dataDir: fileURLToPath(new URL("./data", import.meta.url)),
    baseUrl: options.baseUrl,
    now,
    auth: createAuthState(flaws, now),
  };
}
