import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

interface Range {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** Parses an Accept header into media ranges with their weights (RFC 9110 12.5.1). */
export function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(",")) {
    const [mediaRange = "", ...params] = part.split(";");
    const [type = "", subtype = ""] = mediaRange.trim().toLowerCase().split("/");
    if (type === "" || subtype === "") continue;
    let q = 1;
    for (const param of params) {
      const [name = "", value = ""] = param.split("=");
      if (name.trim().toLowerCase() === "q") {
        const n = Number(value.trim());
        q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value.trim()) ? n : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * The weight the most specific matching range gives a media type: `text/html;q=0` excludes even
 * when `*\/*` accepts (RFC 9110 12.5.1).
 */
export function weightOf(ranges: readonly Range[], mediaType: string): number {
  const [type, subtype] = mediaType.split("/");
  let best = -1;
  let weight = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 3
        : r.type === type && r.subtype === "*"
          ? 2
          : r.type === "*" && r.subtype === "*"
            ? 1
            : 0;
    if (specificity > best && specificity > 0) {
      best = specificity;
      weight = r.q;
    }
  }
  return weight;
}

/** 406 when the client accepts none of the route's response media types (IN-02). */
export const acceptPolicy: GuardPolicy = {
  id: "accept-negotiation",
  items: ["IN-02"],
  title: "406 when Accept excludes every media type the route produces",
  create(route) {
    const produces = route.produces.map((t) => t.toLowerCase());
    const refused = rejection(
      acceptPolicy,
      406,
      "Not Acceptable",
      `This route produces ${produces.join(", ")}.`,
    );
    return {
      onRequest(ctx) {
        const accept = ctx.req.headers.accept;
        if (accept === undefined || accept === "*/*" || produces.includes(accept)) return undefined;
        const ranges = parseAccept(accept);
        if (ranges.length === 0) return refused;
        for (const type of produces) if (weightOf(ranges, type) > 0) return undefined;
        return refused;
      },
    };
  },
};
