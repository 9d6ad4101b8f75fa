import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from "node:crypto";
import { readFileSync } from "node:fs";
import type { JWTPayload } from "jose";
import { TOKENS_DEFAULTS, type TokensConfig } from "./schema.js";

/** The name under which the guard's own issuer appears among the auth issuers (logs, metrics). */
export const EDGE_ISSUER_NAME = "rampart-edge";

/** The guard's token issuer, compiled: its key imported once, when the route table is built. */
export interface EdgeTokens {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key, in every token's `kid`. */
  readonly kid: string;
  /** Signs a token for the identity in an upstream token's claims (undefined: opaque token). */
  mint(upstream: JWTPayload | undefined, nowSeconds: number): MintedToken;
}

export interface MintedToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresIn: number;
  /** The scope the token carries after the client's allow-list, when it carries one. */
  readonly scope: string | undefined;
}

// One generated key per process when no file is configured: a reload keeps the tokens already
// handed out valid; a restart does not (documented beside `signingKeyFile`).
let generatedKey: KeyObject | undefined;

/**
 * Compiles `guard.tokens`; problems go to `report` with their path under `/tokens`.
 *
 * @example
 * ```ts
 * const edge = compileTokens({ issuer: "https://edge.example", audience: "api" }, dir, report);
 * edge?.mint({ sub: "u1", scope: "orders:read" }, Math.floor(Date.now() / 1000)).token;
 * ```
 */
export function compileTokens(
  config: Readonly<TokensConfig> | undefined,
  baseDir: string,
  report: (path: string, message: string) => void,
): EdgeTokens | undefined {
  if (!config) return undefined;
  let privateKey: KeyObject;
  if (config.signingKeyFile !== undefined) {
    const file = config.signingKeyFile.startsWith("/")
      ? config.signingKeyFile
      : `${baseDir.replace(/\/$/, "")}/${config.signingKeyFile}`;
    try {
      privateKey = createPrivateKey(readFileSync(file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      report(
        "/tokens/signingKeyFile",
        code === "ENOENT" ? `no such file: ${file}` : `not a PEM private key: ${file}`,
      );
      return undefined;
    }
    if (
      privateKey.asymmetricKeyType !== "ec" ||
      privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1"
    ) {
      report("/tokens/signingKeyFile", "must be a P-256 (prime256v1) EC private key for ES256");
      return undefined;
    }
  } else {
    generatedKey ??= generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    privateKey = generatedKey;
  }
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" });
  // RFC 7638 3.2: the required members in lexicographic order, no whitespace.
  const kid = createHash("sha256")
    .update(JSON.stringify({ crv: jwk.crv, kty: "EC", x: jwk.x, y: jwk.y }))
    .digest("base64url");
  const ttlSeconds = config.ttlSeconds ?? TOKENS_DEFAULTS.ttlSeconds;
  const copy = config.copyClaims ?? TOKENS_DEFAULTS.copyClaims;
  const header = base64url(JSON.stringify({ alg: "ES256", typ: "at+jwt", kid }));
  return Object.freeze({
    issuer: config.issuer,
    audience: config.audience,
    ttlSeconds,
    publicKey,
    kid,
    mint(upstream: JWTPayload | undefined, now: number): MintedToken {
      const jti = randomUUID();
      let expiresIn = ttlSeconds;
      // Never outlive the upstream's own token: the swap back would find it expired.
      if (typeof upstream?.exp === "number")
        expiresIn = Math.max(0, Math.min(ttlSeconds, upstream.exp - now));
      const claims: Record<string, unknown> = {};
      for (const name of copy) if (upstream?.[name] !== undefined) claims[name] = upstream[name];
      const scope = grantedScope(upstream, config);
      if (scope !== undefined) {
        claims.scope = scope;
        delete claims.scp;
      }
      Object.assign(claims, {
        iss: config.issuer,
        aud: config.audience,
        iat: now,
        nbf: now,
        exp: now + expiresIn,
        jti,
      });
      const input = `${header}.${base64url(JSON.stringify(claims))}`;
      // JWS ES256 signatures are the raw r || s pair (RFC 7518 3.4), not DER.
      const signature = sign("sha256", Buffer.from(input), {
        key: privateKey,
        dsaEncoding: "ieee-p1363",
      });
      return {
        token: `${input}.${signature.toString("base64url")}`,
        jti,
        expiresIn,
        scope: typeof claims.scope === "string" ? claims.scope : undefined,
      };
    },
  });
}

/**
 * The scope of a client's token after its allow-list (undefined: no `client_id`, or no list for
 * it, so the upstream's scope claims are copied as they are).
 */
function grantedScope(
  upstream: JWTPayload | undefined,
  config: Readonly<TokensConfig>,
): string | undefined {
  const client = upstream?.client_id;
  if (typeof client !== "string" || !config.clientScopes) return undefined;
  const allowed = new Set(config.clientScopes[client] ?? []);
  const raw = upstream?.scope ?? upstream?.scp;
  const requested =
    typeof raw === "string" ? raw.split(" ") : Array.isArray(raw) ? raw.map(String) : [];
  const kept = requested.filter((s) => s !== "" && allowed.has(s));
  return (kept.length > 0 ? kept : [...(config.defaultScopes ?? [])]).join(" ");
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
