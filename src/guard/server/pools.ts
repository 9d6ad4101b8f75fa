import { createHash } from "node:crypto";
import { Pool } from "undici";
import type { UpstreamSpec } from "../config/route-table.js";

/**
 * One undici pool per upstream, keep-alive; an unchanged upstream keeps its pool across reloads.
 *
 * @example
 * ```ts
 * const pools = buildPools(table.upstreams, new Map());
 * const next = buildPools(reloaded.upstreams, pools); // unchanged upstreams keep theirs
 * ```
 */
export function buildPools(
  upstreams: ReadonlyMap<string, UpstreamSpec>,
  previous: ReadonlyMap<string, Pool>,
): Map<string, Pool> {
  const pools = new Map<string, Pool>();
  for (const [name, spec] of upstreams) {
    const key = poolKey(spec);
    const reused = previous.get(name);
    if (reused && (reused as Pool & { rampartKey?: string }).rampartKey === key) {
      pools.set(name, reused);
      continue;
    }
    const tls = spec.tls;
    const pool = new Pool(spec.origin, {
      connections: spec.connections,
      headersTimeout: spec.headersTimeoutMs,
      bodyTimeout: spec.bodyTimeoutMs,
      keepAliveTimeout: spec.keepAliveTimeoutMs,
      pipelining: 1,
      // Towards an https:// upstream: verified always (undici's default), TLS 1.2 or later as on
      // the listener (RFC 9325 3.1.1), with the configured authority and client certificate.
      ...(spec.origin.startsWith("https:")
        ? {
            connect: {
              minVersion: "TLSv1.2" as const,
              ...(tls?.ca ? { ca: tls.ca } : {}),
              ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
              ...(tls?.serverName ? { servername: tls.serverName } : {}),
            },
          }
        : {}),
    });
    Object.defineProperty(pool, "rampartKey", { value: key });
    pools.set(name, pool);
  }
  return pools;
}

function poolKey(spec: UpstreamSpec): string {
  const tls = spec.tls;
  // Rotated certificates and keys change the key, so a reload builds a pool that uses them.
  const material = tls
    ? createHash("sha256")
        .update(tls.ca ?? "")
        .update("\0")
        .update(tls.cert ?? "")
        .update("\0")
        .update(tls.key ?? "")
        .update(`\0${tls.serverName ?? ""}`)
        .digest("hex")
    : "";
  return `${spec.origin} ${spec.connections} ${spec.headersTimeoutMs} ${spec.bodyTimeoutMs} ${spec.keepAliveTimeoutMs} ${material}`;
}
