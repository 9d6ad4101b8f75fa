import { once } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RampartError } from "../core/errors.js";
import type { Listener } from "./config/route-table.js";
import type { ResponseHead } from "./policy.js";

/**
 * The handler of the plain listener when TLS is on: every request is answered 308 to the same
 * path on HTTPS (RFC 9110 15.4.9 keeps the method and body), never proxied.
 */
export function redirectHandler(
  httpsPort: number,
  fallbackHost: string,
  harden: (headers: ResponseHead["headers"], secure: boolean) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const hostname =
      /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d+)?$/.exec(req.headers.host ?? "")?.[1] ??
      fallbackHost;
    const path = (req.url ?? "/").startsWith("/") ? req.url : "/";
    const headers: ResponseHead["headers"] = {
      location: `https://${hostname}${httpsPort === 443 ? "" : `:${httpsPort}`}${path}`,
      "content-length": "0",
    };
    harden(headers, false);
    res.writeHead(308, headers);
    res.end();
  };
}

/** Listens; errors (port in use, address not available) become ERR_LISTEN. */
export async function listen(server: Server, at: Listener, what: string): Promise<void> {
  server.listen(at.port, at.host);
  try {
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([e]) => Promise.reject(e)),
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new RampartError(
      "ERR_LISTEN",
      `cannot listen on ${at.host}:${at.port} (${what}): ${code || (error as Error).message}`,
      { cause: error },
    );
  }
}

/** `scheme://host:port` of a listening server (IPv6 in brackets). */
export function urlOf(server: Server, scheme: string): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}
