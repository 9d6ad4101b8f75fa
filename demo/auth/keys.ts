import type { FlawId } from "../flaws.js";
import type { DemoKeys } from "../types.js";

/** STUB (to be replaced): creates the demo's signing keys. */
export async function createKeys(_flaws: ReadonlySet<FlawId>): Promise<DemoKeys> {
  throw new Error("createKeys: not implemented yet");
}
