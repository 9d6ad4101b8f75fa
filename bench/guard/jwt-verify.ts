/**
 * Micro-benchmark of the guard's bearer-token check (issue 7): verifications per second of one
 * valid token, HS256 and ES256, with the verified-token cache (the default) and without it
 * (`verifiedTokenCacheSize: 0`). In-process, one token repeated, sequential awaits: the cost of
 * `authenticate()` alone, no HTTP.
 *
 *   npm run build && node dist/bench/guard/jwt-verify.js [--seconds 2]
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { compileAuth } from "../../src/guard/auth/compile.js";
import type { IssuerConfig } from "../../src/guard/auth/schema.js";
import { authenticate } from "../../src/guard/auth/verify.js";

const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1]) || 2;
const dir = mkdtempSync(join(tmpdir(), "rampart-jwt-bench-"));
const secret = randomBytes(32);
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
writeFileSync(join(dir, "es.pem"), ec.publicKey.export({ type: "spki", format: "pem" }));

const issuers: IssuerConfig[] = [
  {
    name: "hs",
    issuer: "https://hs.test",
    audience: "api",
    algorithms: ["HS256"],
    key: { secret: secret.toString("hex"), secretEncoding: "hex" },
  },
  {
    name: "es",
    issuer: "https://es.test",
    audience: "api",
    algorithms: ["ES256"],
    key: { publicKeyFile: join(dir, "es.pem") },
  },
];

async function token(iss: string, alg: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss, aud: "api", sub: "alice", scope: "orders:read", iat: now, nbf: now })
    .setExpirationTime(now + 600)
    .setProtectedHeader({ alg, typ: "JWT" })
    .sign(alg === "HS256" ? secret : ec.privateKey);
}

async function rate(cacheSize: number, bearer: string): Promise<number> {
  const auth = compileAuth({ issuers, verifiedTokenCacheSize: cacheSize }, dir, (p, m) => {
    throw new Error(`${p}: ${m}`);
  });
  if (!auth) throw new Error("config refused");
  const headers = { authorization: `Bearer ${bearer}` };
  const revocations = new Set<string>();
  for (let i = 0; i < 2000; i++) await authenticate(auth, headers, { revocations }); // warm-up
  let count = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      const result = await authenticate(auth, headers, { revocations });
      if (!result.ok) throw new Error(`refused: ${result.failure}`);
    }
    count += 100;
  }
  return count / seconds;
}

const rows: string[] = [];
for (const [alg, iss] of [
  ["HS256", "https://hs.test"],
  ["ES256", "https://es.test"],
] as const) {
  const bearer = await token(iss, alg);
  const without = await rate(0, bearer);
  const cached = await rate(10_000, bearer);
  rows.push(
    `| ${alg} | ${Math.round(without).toLocaleString("en")} | ${Math.round(cached).toLocaleString("en")} | ${(cached / without).toFixed(1)}x |`,
  );
}
console.log(`node ${process.version}, ${seconds} s per cell, one token repeated\n`);
console.log("| alg | verifications/s, no cache | with cache | speed-up |");
console.log("|---|---:|---:|---:|");
for (const row of rows) console.log(row);
