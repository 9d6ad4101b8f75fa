import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";

/** The PEM contents a `tls:` section names, with the config path each came from. */
export interface TlsMaterial {
  readonly ca?: { readonly pem: Buffer; readonly path: string };
  readonly cert?: { readonly pem: Buffer; readonly path: string };
  readonly key?: { readonly pem: Buffer; readonly path: string };
}

/**
 * Parses certificates and keys as starting the guard would, so that a file that is no PEM
 * certificate, no private key, or a key of another certificate is a config problem found by
 * `guard --check` and at load, never a crash when the listener or the upstream pool starts.
 *
 * @example
 * ```ts
 * checkTlsMaterial({ cert: { pem: certPem, path: "/tls/cert" }, key: { pem: keyPem, path: "/tls/key" } }, at);
 * ```
 */
export function checkTlsMaterial(
  material: TlsMaterial,
  at: (path: string, message: string) => void,
): void {
  const parses = (parse: () => unknown): boolean => {
    try {
      parse();
      return true;
    } catch {
      return false;
    }
  };
  const { ca, cert, key } = material;
  if (ca && !parses(() => new X509Certificate(ca.pem)))
    at(ca.path, "not a PEM certificate (the CA to trust)");
  const certOk = cert ? parses(() => new X509Certificate(cert.pem)) : false;
  if (cert && !certOk) at(cert.path, "not a PEM certificate");
  const keyOk = key ? parses(() => createPrivateKey(key.pem)) : false;
  if (key && !keyOk) at(key.path, "not a PEM private key");
  if (cert && key && certOk && keyOk) {
    try {
      createSecureContext({ cert: cert.pem, key: key.pem });
    } catch (error) {
      at(key.path, `not the private key of the certificate (${(error as Error).message})`);
    }
  }
}
