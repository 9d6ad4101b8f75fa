import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { JsonObject } from "./token.js";

/** A loopback listener serving the attacker's JWKS (for `jku`) and certificate (for `x5u`). */
export interface KeyServer {
  readonly jwksUrl: string;
  readonly certUrl: string;
  /** Paths the target fetched, in order: proof that it follows URLs named by a token. */
  fetched(): readonly string[];
  close(): Promise<void>;
}

/**
 * Starts the key server on 127.0.0.1, port chosen by the system. Only a loopback target can
 * reach it, so the forgeries that need it run only against loopback targets.
 *
 * @example
 * ```ts
 * const server = await startKeyServer({ keys: [jwk] }, certPem);
 * // header { jku: server.jwksUrl, kid: jwk.kid }
 * await server.close();
 * ```
 */
export async function startKeyServer(
  jwks: { keys: JsonObject[] },
  certPem?: string,
): Promise<KeyServer> {
  const fetched: string[] = [];
  const server = createServer((req, res) => {
    if (fetched.length < 100) fetched.push(req.url ?? "/");
    req.resume();
    if (req.url === "/jwks.json") {
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify(jwks));
    } else if (req.url === "/cert.pem" && certPem) {
      res.writeHead(200, { "content-type": "application/x-pem-file", connection: "close" });
      res.end(certPem);
    } else {
      res.writeHead(404, { connection: "close" });
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    jwksUrl: `${origin}/jwks.json`,
    certUrl: `${origin}/cert.pem`,
    fetched: () => [...fetched],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
