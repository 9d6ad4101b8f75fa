import { BlockList, isIP } from "node:net";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

/**
 * Builds a `BlockList` from addresses and CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`);
 * returns the entries it could not read, so config errors are reported all at once.
 *
 * @example
 * ```ts
 * const { list, invalid } = compileCidrs(["127.0.0.1", "10.0.0.0/8"]);
 * list.check("10.1.2.3", "ipv4"); // true
 * ```
 */
export function compileCidrs(entries: readonly string[]): { list: BlockList; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d{1,3}$/.test(prefix ?? "") || bits > max))
    ) {
      invalid.push(entry);
      continue;
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return { list, invalid };
}

/** Whether an address (v4, v6 or v4-mapped v6) is in a list. */
export function inList(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 4) return list.check(address, "ipv4");
  if (family === 6) {
    if (list.check(address, "ipv6")) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return mapped !== undefined && list.check(mapped, "ipv4");
  }
  return false;
}

/** Per-route allow-lists of client addresses (ACC-05). */
export const ipAllowPolicy: GuardPolicy = {
  id: "ip-allow-list",
  items: ["ACC-05"],
  title: "Only allow-listed client addresses reach the route",
  create(route) {
    if (!route.allowFrom) return undefined;
    const { list, invalid } = compileCidrs(route.allowFrom);
    if (invalid.length > 0) throw new TypeError(`invalid allowFrom entries: ${invalid.join(", ")}`);
    const refused = rejection(
      ipAllowPolicy,
      403,
      "Forbidden",
      "Your address may not use this route.",
    );
    return { onRequest: (ctx) => (inList(list, ctx.clientIp) ? undefined : refused) };
  },
};
