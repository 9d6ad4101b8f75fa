import type { CheckContext, Exchange } from "../../types.js";

/**
 * Other transports of the target's host that the scan knows of: from the document's servers,
 * redirects and links seen during discovery, and the default port of the other scheme.
 *
 * @example
 * ```ts
 * variantsOf(context, "http:"); // ["http://api.example.com", "http://api.example.com:8080"]
 * ```
 */
export function variantsOf(context: CheckContext, protocol: "http:" | "https:"): string[] {
  const { base, document, urls, observed } = context.target;
  const seen = new Set<string>();
  const add = (raw: string): void => {
    try {
      const url = new URL(raw, base);
      if (url.protocol === protocol && url.hostname === base.hostname) seen.add(url.origin);
    } catch {
      // not a URL
    }
  };
  const servers = document?.raw.servers;
  if (Array.isArray(servers))
    for (const s of servers)
      if (typeof s === "object" && s !== null && typeof (s as { url?: unknown }).url === "string")
        add((s as { url: string }).url);
  for (const u of urls) add(u);
  for (const o of observed) if (o.exchange.headers.location) add(o.exchange.headers.location);
  add(`${protocol}//${base.host.replace(/:\d+$/, "")}`);
  seen.delete(base.origin);
  return [...seen].slice(0, 4);
}

/** The response redirects to HTTPS (RFC 9110 15.4: 301, 302, 307, 308 with an https Location). */
export function redirectsToHttps(exchange: Exchange): boolean {
  const location = exchange.headers.location;
  return (
    [301, 302, 303, 307, 308].includes(exchange.status) &&
    location !== undefined &&
    /^https:\/\//i.test(location)
  );
}

/** Loopback hosts: findings about certificates there are for local development, not production. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
