import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { RampartError } from "../../core/errors.js";
import type { ScanConfig } from "../config.js";
import type { ScanOptions } from "../options.js";
import type { CheckContext } from "../types.js";
import { JWT_DEFAULTS } from "./config-schema.js";

/**
 * The longest acceptable access token lifetime of this scan, in seconds: `scan.jwt
 * .maxLifetimeMinutes` or 15 minutes.
 *
 * @example
 * ```ts
 * maxLifetimeSeconds(context); // 900
 * ```
 */
export function maxLifetimeSeconds(context: Pick<CheckContext, "config">): number {
  return (context.config?.jwt?.maxLifetimeMinutes ?? JWT_DEFAULTS.maxLifetimeMinutes) * 60;
}

/**
 * The configured public key's PEM text (`--public-key` or `scan.jwt.publicKey`), if any.
 *
 * @example
 * ```ts
 * configuredPublicKey(context)?.startsWith("-----BEGIN"); // true when one was given
 * ```
 */
export function configuredPublicKey(context: Pick<CheckContext, "config">): string | undefined {
  return context.config?.jwt?.publicKey;
}

/**
 * `--public-key FILE` of `rampart scan`: reads the PEM file and returns the scan's config with
 * `jwt.publicKey` set to its text. Throws ERR_USAGE, in one line, when the file cannot be read
 * or holds no public key (a private key is refused: it must not travel into a scan).
 *
 * @example
 * ```ts
 * const { config } = publicKeyOption("keys/public.pem", loaded.scan, process.cwd());
 * ```
 */
export function publicKeyOption(
  file: string | undefined,
  scan: Readonly<ScanConfig> | undefined,
  cwd: string,
): Pick<ScanOptions, "config"> {
  if (file === undefined) return scan ? { config: scan } : {};
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new RampartError(
      "ERR_USAGE",
      `--public-key: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      { cause: error },
    );
  }
  if (/PRIVATE KEY-----/.test(text))
    throw new RampartError(
      "ERR_USAGE",
      `--public-key: ${file} holds a private key; give the public key`,
    );
  try {
    createPublicKey(text);
  } catch (error) {
    throw new RampartError(
      "ERR_USAGE",
      `--public-key: ${file} is not a PEM public key or certificate`,
      {
        cause: error,
      },
    );
  }
  return { config: { ...scan, jwt: { ...scan?.jwt, publicKey: text } } };
}
