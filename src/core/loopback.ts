/**
 * True for a loopback host name: `localhost` (and `*.localhost`, RFC 6761 section 6.3), any
 * 127.0.0.0/8 address, and `::1` in any spelling, with or without the brackets of a URL.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL("http://[::1]:8080").hostname); // true
 * isLoopbackHost("api.example.com");                     // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host === "::1" ||
    host === "0:0:0:0:0:0:0:1"
  );
}
