import { open, realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { fetchLoopback } from "../auth/loopback.js";

/** Bytes read at most from one external entity, file or URL. */
export const EXTERNAL_ENTITY_MAX_BYTES = 64 * 1024;

/** External entities (and DTDs) one resolver loads at most: one document cannot stall for long. */
export const EXTERNAL_ENTITY_MAX_LOADS = 10;

/**
 * A resolver of external entities, for one document, that the `xxe` flaw hands to the parser:
 * `file:` URLs and plain paths (relative ones against the data folder), and loopback `http(s):`
 * URLs (so that a scanner can watch for the out-of-band request). It is confined all the same:
 * only files inside `dataDir` are read, anything else fails exactly like a missing file, and no
 * URL off the loopback interface is ever fetched. The demo stays a target, never a way in.
 *
 * @example
 * ```ts
 * const resolve = externalEntityResolver(context.dataDir);
 * await resolve("canary.txt"); // "RAMPART-XXE-CANARY-7f3c9e1a\n"
 * await resolve("file:///etc/passwd"); // throws, as if it did not exist
 * ```
 */
export function externalEntityResolver(dataDir: string): (systemId: string) => Promise<string> {
  let loads = 0;
  return async (systemId) => {
    loads += 1;
    if (loads > EXTERNAL_ENTITY_MAX_LOADS) throw new Error("too many external entities");
    if (/^https?:/i.test(systemId)) {
      return fetchLoopback(systemId, { maxBytes: EXTERNAL_ENTITY_MAX_BYTES });
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(systemId) && !/^file:/i.test(systemId)) {
      throw new Error(`unsupported scheme in ${systemId}`);
    }
    const path = /^file:/i.test(systemId) ? fileURLToPath(systemId) : resolve(dataDir, systemId);
    const [root, target] = await Promise.all([realpath(dataDir), realpath(path)]);
    if (!target.startsWith(root + sep)) throw new Error(`no such file: ${systemId}`);
    const handle = await open(target, "r");
    try {
      const buffer = Buffer.alloc(EXTERNAL_ENTITY_MAX_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  };
}
