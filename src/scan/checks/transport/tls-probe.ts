import { type ConnectionOptions, connect, type PeerCertificate, type TLSSocket } from "node:tls";

/** What one TLS handshake showed. */
export interface Handshake {
  readonly ok: boolean;
  readonly protocol?: string;
  readonly cipher?: string;
  /** OpenSSL's verdict on the chain, e.g. DEPTH_ZERO_SELF_SIGNED_CERT. */
  readonly authorizationError?: string;
  readonly certificate?: PeerCertificate;
  readonly error?: string;
}

/**
 * One TLS handshake with the given limits, closed right after: nothing is sent over it. The
 * certificate is not verified here (it is reported, not trusted).
 *
 * @example
 * ```ts
 * await handshake("api.example.com", 443, { minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT:@SECLEVEL=0" }, 5000);
 * ```
 */
export function handshake(
  host: string,
  port: number,
  options: Pick<ConnectionOptions, "minVersion" | "maxVersion" | "ciphers">,
  timeoutMs: number,
): Promise<Handshake> {
  const hostname = host.replace(/^\[|\]$/g, "");
  const isIp = /^[\d.]+$/.test(hostname) || hostname.includes(":");
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Handshake, socket?: TLSSocket): void => {
      if (settled) return;
      settled = true;
      socket?.destroy();
      resolve(result);
    };
    const socket = connect({
      host: hostname,
      port,
      ...(isIp ? {} : { servername: hostname }),
      rejectUnauthorized: false,
      ...options,
    });
    socket.setTimeout(timeoutMs, () => done({ ok: false, error: "timed out" }, socket));
    socket.once("secureConnect", () =>
      done(
        {
          ok: true,
          protocol: socket.getProtocol() ?? undefined,
          cipher: socket.getCipher()?.name,
          ...(socket.authorizationError
            ? { authorizationError: String(socket.authorizationError) }
            : {}),
          certificate: socket.getPeerCertificate(),
        },
        socket,
      ),
    );
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done({ ok: false, error: error.code ?? error.message }, socket),
    );
  });
}
