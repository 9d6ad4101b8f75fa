import { createHash, createPublicKey, type KeyObject, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import { isWeakSecret } from "../../vocabulary/jwt-secrets.js";
import { VerifiedTokenCache } from "./cache.js";
import { type CompiledForward, compileForward } from "./forward.js";
import {
  AUTH_DEFAULTS,
  type AuthConfig,
  type IssuerConfig,
  type SecretEncoding,
} from "./schema.js";

/** One trusted issuer with its key imported once, when the route table is built. */
export interface CompiledIssuer {
  readonly name: string;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  /** A remote JWKS: its fetch failures fail the request closed (503), not as a bad token. */
  readonly remote: boolean;
  readonly clockToleranceSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly requiredClaims: readonly string[];
  readonly maxTokenBytes: number;
  readonly forbiddenClaims: ReadonlySet<string>;
  /** The `jwtVerify` options, built once. */
  readonly verifyOptions: Readonly<JWTVerifyOptions>;
}

/** `guard.auth` ready for the request path. */
export interface CompiledAuth {
  /**
   * By `iss`, then by `alg`: the token's unverified `iss` and `alg` only select which entry's
   * checks run (that entry's pinned algorithms and key still decide).
   */
  readonly issuers: ReadonlyMap<string, ReadonlyMap<string, CompiledIssuer>>;
  /** The largest `maxTokenBytes` of any issuer: longer headers are refused unparsed. */
  readonly maxTokenBytes: number;
  /** Lower-case header names that may carry an API key. */
  readonly apiKeyHeaders: readonly string[];
  /** The accepted API keys: their name, header and SHA-256 digest. */
  readonly apiKeys: readonly {
    readonly name: string;
    readonly header: string;
    readonly hash: Buffer;
  }[];
  /** Identity headers for the upstream; undefined when none are configured. */
  readonly forward: CompiledForward | undefined;
  /** Verified tokens of this table (a reload starts afresh); undefined when disabled. */
  readonly cache: VerifiedTokenCache | undefined;
}

/** What an issuer entry says apart from its key. */
type IssuerSettings = Omit<IssuerConfig, "key">;

/**
 * An issuer whose public key the guard already holds (its own tokens, `guard.tokens`): trusted
 * like a configured issuer, with the same checks and defaults.
 */
export interface TrustedIssuer extends IssuerSettings {
  readonly key: KeyObject;
  /** Where its problems are reported, e.g. `/tokens` (under `/guard`). */
  readonly path: string;
}

/** Where a problem is, relative to `/guard/auth`, and what it is. */
export type AuthProblemReporter = (path: string, message: string) => void;

const HMAC_MIN_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };
/** Key types each algorithm family needs (RFC 7518 3.3-3.5, RFC 8037). */
const KEY_TYPES: Readonly<Record<string, readonly string[]>> = {
  RS: ["rsa"],
  PS: ["rsa", "rsa-pss"],
  ES: ["ec"],
  Ed: ["ed25519", "ed448"],
};
const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);
/** Without these the issuer binding (iss, aud) or the lifetime limits (JWT-03) cannot hold. */
const ALWAYS_REQUIRED = ["iss", "aud", "exp", "iat"] as const;
/** Strict shapes: Buffer.from() skips what it cannot decode, which would shorten a secret silently. */
const ENCODED: Readonly<Record<Exclude<SecretEncoding, "utf8">, RegExp>> = {
  hex: /^(?:[0-9a-fA-F]{2})+$/,
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  base64url: /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/,
};

/**
 * Validates `guard.auth` and imports its keys. Every problem is reported through `report` with
 * its path under `/auth`; the result is undefined when there were problems.
 *
 * @example
 * ```ts
 * const auth = compileAuth({ apiKeys: [{ name: "ci", hash: "sha256:..." }] }, process.cwd(), (p, m) => problems.push(`${p}: ${m}`));
 * auth?.apiKeyHeaders; // ["x-api-key"]
 * ```
 */
export function compileAuth(
  config: Readonly<AuthConfig> | undefined,
  baseDir: string,
  report: AuthProblemReporter,
  env: NodeJS.ProcessEnv = process.env,
  trusted: readonly TrustedIssuer[] = [],
  weakSecrets: ReadonlySet<string> = new Set(),
): CompiledAuth | undefined {
  let ok = true;
  const at = (path: string, message: string) => {
    ok = false;
    report(`/auth${path}`, message);
  };
  const issuers = new Map<string, Map<string, CompiledIssuer>>();
  // Which entry pins each (iss, alg): one iss may have several entries, never for one alg.
  const pinned = new Map<string, Map<string, string>>();
  const register = (
    issuer: IssuerSettings,
    path: string,
    fail: AuthProblemReporter,
    importIt: () => { key: CompiledIssuer["key"]; remote: boolean } | undefined,
  ): void => {
    const byAlg = pinned.get(issuer.issuer) ?? new Map<string, string>();
    pinned.set(issuer.issuer, byAlg);
    const overlap = issuer.algorithms.filter((alg) => byAlg.has(alg));
    if (overlap.length > 0)
      fail(
        `${path}/algorithms`,
        `${overlap.join(", ")} already pinned for issuer "${issuer.issuer}" by ${byAlg.get(overlap[0] as string)}: entries of one iss need disjoint algorithms`,
      );
    // Named as the user finds it: /auth/issuers/N, or where a trusted issuer is configured.
    const label = trusted.some((t) => t.path === path) ? path : `/auth${path}`;
    for (const alg of issuer.algorithms) if (!byAlg.has(alg)) byAlg.set(alg, label);
    const d = AUTH_DEFAULTS.issuer;
    const requiredClaims = issuer.requiredClaims ?? d.requiredClaims;
    const dropped = ALWAYS_REQUIRED.filter((claim) => !requiredClaims.includes(claim));
    if (dropped.length > 0)
      fail(
        `${path}/requiredClaims`,
        `must include ${dropped.join(", ")}: iss and aud bind a token to this issuer and API, exp and iat bound its lifetime (JWT-03)`,
      );
    const key = importIt();
    if (key === undefined || overlap.length > 0 || dropped.length > 0) return;
    const clockToleranceSeconds = issuer.clockToleranceSeconds ?? d.clockToleranceSeconds;
    const maxLifetimeSeconds = issuer.maxLifetimeSeconds ?? d.maxLifetimeSeconds;
    const compiled: CompiledIssuer = Object.freeze({
      name: issuer.name,
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: Object.freeze([...issuer.algorithms]),
      key: key.key,
      remote: key.remote,
      clockToleranceSeconds,
      maxLifetimeSeconds,
      requiredClaims: Object.freeze([...requiredClaims]),
      maxTokenBytes: issuer.maxTokenBytes ?? d.maxTokenBytes,
      forbiddenClaims: new Set(issuer.forbiddenClaims ?? d.forbiddenClaims),
      verifyOptions: Object.freeze({
        // Pinned here, never read from the token's header (RFC 8725 3.1).
        algorithms: [...issuer.algorithms],
        issuer: issuer.issuer,
        audience: issuer.audience,
        requiredClaims: [...requiredClaims],
        clockTolerance: clockToleranceSeconds,
        maxTokenAge: maxLifetimeSeconds + clockToleranceSeconds,
      }),
    });
    const entries = issuers.get(issuer.issuer) ?? new Map<string, CompiledIssuer>();
    for (const alg of issuer.algorithms) entries.set(alg, compiled);
    issuers.set(issuer.issuer, entries);
  };
  (config?.issuers ?? []).forEach((issuer, index) => {
    const path = `/issuers/${index}`;
    register(
      issuer,
      path,
      (p, m) => at(p, m),
      () => importKey(issuer, path, baseDir, env, at, weakSecrets),
    );
  });
  for (const issuer of trusted) {
    // Its problems are reported where it is configured, outside `/auth`.
    const fail: AuthProblemReporter = (p, m) => {
      ok = false;
      report(p, m);
    };
    register(issuer, issuer.path, fail, () => {
      for (const alg of issuer.algorithms)
        if (!(KEY_TYPES[alg.slice(0, 2)] ?? []).includes(issuer.key.asymmetricKeyType ?? "")) {
          fail(
            `${issuer.path}/algorithms`,
            `${alg} does not match a ${issuer.key.asymmetricKeyType} key`,
          );
          return undefined;
        }
      return { key: issuer.key, remote: false };
    });
  }
  const headers = new Set<string>();
  const apiKeys: CompiledAuth["apiKeys"][number][] = [];
  for (const apiKey of config?.apiKeys ?? []) {
    const header = (apiKey.header ?? AUTH_DEFAULTS.apiKey.header).toLowerCase();
    headers.add(header);
    apiKeys.push({
      name: apiKey.name,
      header,
      hash: Buffer.from(apiKey.hash.slice("sha256:".length), "hex"),
    });
  }
  const forward = compileForward(config?.forward ?? AUTH_DEFAULTS.forward, headers, (p, m) =>
    at(`/forward${p}`, m),
  );
  if (!ok) return undefined;
  const cacheSize = config?.verifiedTokenCacheSize ?? AUTH_DEFAULTS.verifiedTokenCacheSize;
  const all = [...issuers.values()].flatMap((byAlg) => [...byAlg.values()]);
  return Object.freeze({
    issuers,
    // Without issuers a bearer token is refused as of an unknown issuer, whatever its size.
    maxTokenBytes:
      all.length === 0
        ? AUTH_DEFAULTS.issuer.maxTokenBytes
        : Math.max(...all.map((i) => i.maxTokenBytes)),
    apiKeyHeaders: Object.freeze([...headers]),
    apiKeys: Object.freeze(apiKeys),
    forward,
    cache: cacheSize > 0 ? new VerifiedTokenCache(cacheSize) : undefined,
  });
}

/** The `sha256:<hex>` form under which an API key is stored in the config. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/** The key bytes of a secret's text, or undefined when the text is not in that encoding. */
function decodeSecret(text: string, encoding: SecretEncoding): Uint8Array | undefined {
  if (encoding === "utf8") return new TextEncoder().encode(text);
  if (!ENCODED[encoding].test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, encoding));
}

function importHmac(secret: Uint8Array, alg: string): Promise<webcrypto.CryptoKey> {
  const imported = webcrypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: `SHA-${alg.slice(2)}` },
    false,
    ["verify"],
  );
  // Failures surface where the key is awaited (a refused token), never as an unhandled rejection.
  imported.catch(() => undefined);
  return imported;
}

function importKey(
  issuer: IssuerConfig,
  path: string,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  at: AuthProblemReporter,
  weakSecrets: ReadonlySet<string>,
): { key: CompiledIssuer["key"]; remote: boolean } | undefined {
  const sources = Object.keys(issuer.key).filter((k) => k !== "secretEncoding");
  if (sources.length !== 1) {
    at(`${path}/key`, "needs exactly one of secret, secretEnv, publicKeyFile, jwksUrl");
    return undefined;
  }
  const symmetric = issuer.key.secret !== undefined || issuer.key.secretEnv !== undefined;
  if (issuer.key.secretEncoding !== undefined && !symmetric) {
    at(`${path}/key/secretEncoding`, "applies to secret and secretEnv only");
    return undefined;
  }
  const hmac = issuer.algorithms.filter((a) => a.startsWith("HS"));
  // One key serving both families is the RS->HS confusion (RFC 8725 3.1).
  if (symmetric && hmac.length !== issuer.algorithms.length) {
    at(`${path}/algorithms`, "a secret verifies HS256/HS384/HS512 only");
    return undefined;
  }
  if (!symmetric && hmac.length > 0) {
    at(`${path}/algorithms`, "HS* algorithms need a secret, not a public key");
    return undefined;
  }
  if (symmetric) {
    let secret = issuer.key.secret;
    if (issuer.key.secretEnv !== undefined) {
      secret = env[issuer.key.secretEnv];
      if (!secret) {
        at(`${path}/key/secretEnv`, `environment variable ${issuer.key.secretEnv} is not set`);
        return undefined;
      }
    }
    const where = issuer.key.secret !== undefined ? `${path}/key/secret` : `${path}/key/secretEnv`;
    const encoding = issuer.key.secretEncoding ?? AUTH_DEFAULTS.issuer.secretEncoding;
    const bytes = decodeSecret(secret as string, encoding);
    if (bytes === undefined) {
      at(where, `not valid ${encoding}`);
      return undefined;
    }
    if (issuer.allowWeakSecret !== true) {
      const needed = Math.max(...hmac.map((a) => HMAC_MIN_BYTES[a] ?? 32));
      if (bytes.length < needed)
        at(
          where,
          `HMAC secret of ${bytes.length} bytes is too short: ${needed} bytes at least (RFC 7518 3.2, JWT-01); set allowWeakSecret: true to accept it`,
        );
      else if (
        weakSecrets.has(secret as string) ||
        isWeakSecret(secret as string) ||
        isWeakSecret(Buffer.from(bytes).toString("utf8"))
      )
        at(
          where,
          "HMAC secret is in the weak-secret list (JWT-01); set allowWeakSecret: true to accept it",
        );
    }
    // Imported once per algorithm: a raw secret would be re-imported on every verification
    // (measured: 3x fewer verifications per second). jose checks `alg` against the pinned list
    // before it asks for the key.
    const keys = new Map<string, Promise<webcrypto.CryptoKey>>(
      hmac.map((alg) => [alg, importHmac(bytes, alg)]),
    );
    return {
      key: (header) => keys.get(header.alg ?? "") ?? Promise.reject(new TypeError("no key")),
      remote: false,
    };
  }
  if (issuer.key.publicKeyFile !== undefined) {
    const file = issuer.key.publicKeyFile.startsWith("/")
      ? issuer.key.publicKeyFile
      : `${baseDir.replace(/\/$/, "")}/${issuer.key.publicKeyFile}`;
    let key: KeyObject;
    try {
      key = createPublicKey(readFileSync(file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      at(
        `${path}/key/publicKeyFile`,
        code === "ENOENT" ? `no such file: ${file}` : `not a PEM public key: ${file}`,
      );
      return undefined;
    }
    for (const alg of issuer.algorithms) {
      const types = KEY_TYPES[alg.slice(0, 2)] ?? [];
      if (!types.includes(key.asymmetricKeyType ?? "")) {
        at(`${path}/algorithms`, `${alg} does not match a ${key.asymmetricKeyType} key`);
        return undefined;
      }
    }
    return { key, remote: false };
  }
  const raw = issuer.key.jwksUrl as string;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    at(`${path}/key/jwksUrl`, `not a URL: ${raw}`);
    return undefined;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    at(`${path}/key/jwksUrl`, "must be https:// (http:// only on loopback)");
    return undefined;
  }
  const d = AUTH_DEFAULTS.issuer;
  const key = createRemoteJWKSet(url, {
    cooldownDuration: (issuer.jwksCooldownSeconds ?? d.jwksCooldownSeconds) * 1000,
    cacheMaxAge: (issuer.jwksCacheMaxAgeSeconds ?? d.jwksCacheMaxAgeSeconds) * 1000,
    timeoutDuration: issuer.jwksTimeoutMs ?? d.jwksTimeoutMs,
  });
  return { key, remote: true };
}
