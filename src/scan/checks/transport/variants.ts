import type { CheckContext, Exchange } from "../../types.js";

/**
 * Other transports of the target that the scan may attribute to it: the same host on the other
 * scheme's default port (80 for http:, 443 for https:), the origins the target itself redirects
 * to, and origins of the document's servers or of discovered links only when they are in the
 * scan's scope (`--scope`).
 *
 * Scheme, host and port make an origin (RFC 6454 4): `http://host:8080` beside
 * `https://host:8443` is another server, perhaps another product (on loopback, the upstream
 * behind a gateway), unless the target points there itself or the user says it belongs to it.
 *
 * @example
 * ```ts
 * // target https://api.example.com, document servers list http://api.example.com:8080
 * variantsOf(context, "http:"); // ["http://api.example.com"] (8080 only with --scope)
 * ```
 */
export function variantsOf(context: CheckContext, protocol: "http:" | "https:"): string[] {
  const { base, document, urls, observed } = context.target;
  const seen = new Set<string>();
  const add = (raw: string, relativeTo: string | URL, onlyInScope: boolean): void => {
    let url: URL;
    try {
      url = new URL(raw, relativeTo);
    } catch {
      return; // not a URL
    }
    if (url.protocol !== protocol || url.hostname !== base.hostname) return;
    if (onlyInScope && !context.http.inScope(url)) return;
    seen.add(url.origin);
  };
  // The same host on the other scheme's default port (RFC 9110 4.2.1, 4.2.2).
  add(`${protocol}//${base.hostname}`, base, false); // WHATWG keeps IPv6 brackets
  // Where the target itself sends its clients.
  for (const o of observed)
    if (o.exchange.headers.location) add(o.exchange.headers.location, o.exchange.url, false);
  // What the document or the responses merely mention counts only once the user scoped it.
  const servers = document?.raw.servers;
  if (Array.isArray(servers))
    for (const s of servers)
      if (typeof s === "object" && s !== null && typeof (s as { url?: unknown }).url === "string")
        add((s as { url: string }).url, base, true);
  for (const u of urls) add(u, base, true);
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
