/**
 * Issue 7's scenario: the guard verifying bearer tokens (HS256 and ES256 issuers) and counting a
 * rate limit per token subject on every request, in memory and in Redis, against the plain
 * node:http + undici proxy of bench.ts, in one run, with the same wrk load and the same tokens.
 *
 *   npm run build && node dist/bench/guard/auth-bench.js [--duration 2] [--rounds 11] [--threads 1]
 *       [--cpu-prof DIR]   (writes V8 CPU profiles of the guard processes into DIR)
 *
 * Redis is REDIS_URL (default redis://127.0.0.1:6379); the guard's keys go under a prefix of
 * their own (`rampart-bench:<random>:`, expiring with the limit's window), nothing else is
 * touched. When Redis does not answer, its rows are left out and the output says so.
 *
 * The HS256 secret is 32 random bytes (passed to the guard in an environment variable), the
 * ES256 key pair is generated here. Every request carries one of 8 valid tokens, each with its
 * own subject (clients repeat their token; the guard's verified-token cache is on, as by
 * default). The limit allows 10^9 requests per subject and hour: it is counted on every request
 * and refuses none (a refusal is a non-2xx answer, which fails the bench). 39-byte responses;
 * 32 and 256 connections; rounds interleaved as in bench.ts, medians reported.
 * Floor (issue 7): in memory, at least 0.7x the plain proxy's requests/s.
 */

import type { ChildProcess } from "node:child_process";
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { startGuard } from "../../src/guard/server.js";
import {
  child,
  guardLogSink,
  installed,
  median,
  ms,
  type Result,
  ratioCell,
  runOptions,
  wrk,
} from "./bench.js";

const AUDIENCE = "bench-api";
const ISSUERS = { HS256: "https://hs.bench.test", ES256: "https://es.bench.test" } as const;
const SECRET_ENV = "RAMPART_BENCH_HS256_SECRET";
const TOKENS_PER_ALGORITHM = 8;
const FLOOR = 0.7;

/** The guard role: arguments are JSON (upstream, store, prefix, ES256 public key file). */
async function serveGuard(json: string): Promise<void> {
  // A profiled child writes its profile on a normal exit only.
  process.once("SIGTERM", () => process.exit(0));
  const { upstream, store, prefix, publicKeyFile } = JSON.parse(json) as Record<string, string>;
  const table = buildRouteTable({
    listen: "127.0.0.1:0",
    upstream,
    server: { keepAliveTimeoutMs: 60_000 },
    store,
    storeKeyPrefix: prefix,
    auth: {
      issuers: [
        {
          name: "hs",
          issuer: ISSUERS.HS256,
          audience: AUDIENCE,
          algorithms: ["HS256"],
          key: { secretEnv: SECRET_ENV, secretEncoding: "hex" },
        },
        {
          name: "es",
          issuer: ISSUERS.ES256,
          audience: AUDIENCE,
          algorithms: ["ES256"],
          key: { publicKeyFile },
        },
      ],
    },
    routes: [
      {
        path: "/small",
        limits: [
          {
            name: "per-subject",
            key: "subject",
            quota: { requests: 1_000_000_000, windowSeconds: 3600 },
          },
        ],
      },
    ],
  });
  const guard = await startGuard({ table, log: guardLogSink() });
  process.stdout.write(`${guard.url}\n`);
}

/** Fresh tokens (iat now, 15 minutes to live: within the default maximum lifetime). */
async function tokens(alg: "HS256" | "ES256", key: KeyObject | Uint8Array): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 1; i <= TOKENS_PER_ALGORITHM; i++)
    out.push(
      await new SignJWT({ scope: "read" })
        .setProtectedHeader({ alg, typ: "JWT" })
        .setIssuer(ISSUERS[alg])
        .setAudience(AUDIENCE)
        .setSubject(`client-${i}`)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 900)
        .sign(key),
    );
  return out;
}

/** A wrk script that sends the tokens in turn, one per request. */
function tokenScript(dir: string, name: string, list: readonly string[]): string {
  const file = join(dir, `${name}.lua`);
  writeFileSync(
    file,
    `local tokens = { ${list.map((t) => `"${t}"`).join(", ")} }
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end
`,
  );
  return file;
}

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname, () => socket.write("PING\r\n"));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });
}

async function main(): Promise<void> {
  const [role, arg] = process.argv.slice(2);
  if (role === "guard") {
    await serveGuard(arg as string);
    return;
  }
  const { seconds, threads, rounds, profileDir } = runOptions(process.argv);
  const profile = profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
  if (!installed("wrk", ["-v"])) {
    process.stderr.write(
      "bench/guard: wrk is not installed (Debian: apt-get install -y wrk); nothing was measured.\n",
    );
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "rampart-auth-bench-"));
  const secret = randomBytes(32);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicKeyFile = join(dir, "es256.pem");
  writeFileSync(publicKeyFile, ec.publicKey.export({ type: "spki", format: "pem" }));
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `rampart-bench:${randomBytes(6).toString("hex")}:`;
  const notes: string[] = [];
  const processes: ChildProcess[] = [];
  const benchScript = fileURLToPath(new URL("./bench.js", import.meta.url));
  const start = async (role: string, argument: string, script = benchScript) => {
    const started = await child(role, argument, script === benchScript ? [] : profile, script, {
      ...process.env,
      [SECRET_ENV]: secret.toString("hex"),
    });
    if ("missing" in started) throw new Error(`${role}: ${started.missing}`);
    processes.push(started.process);
    return started.url;
  };
  try {
    const upstream = await start("upstream", "");
    const plain = await start("plain", upstream);
    const guards: [string, string][] = [];
    const self = fileURLToPath(import.meta.url);
    guards.push([
      "memory",
      await start(
        "guard",
        JSON.stringify({ upstream, store: "memory", prefix, publicKeyFile }),
        self,
      ),
    ]);
    if (await redisAnswers(redisUrl))
      guards.push([
        "redis",
        await start(
          "guard",
          JSON.stringify({ upstream, store: redisUrl, prefix, publicKeyFile }),
          self,
        ),
      ]);
    else notes.push(`redis: not measured, nothing answers at ${redisUrl} (set REDIS_URL)`);
    const rows: string[] = [];
    const ratioRows: string[] = [];
    for (const alg of ["HS256", "ES256"] as const) {
      for (const [store, guardUrl] of guards) {
        for (const connections of [32, 256]) {
          const list = await tokens(alg, alg === "HS256" ? secret : ec.privateKey);
          const script = ["-s", tokenScript(dir, `${alg}-${store}-${connections}`, list)];
          const targets: Record<string, string> = {
            "node+undici": plain,
            [`guard (${store})`]: guardUrl,
          };
          const names = Object.keys(targets);
          for (const name of names) wrk(`${targets[name]}/small`, connections, 1, threads, script); // warm-up
          const results: Record<string, Result[]> = {};
          for (let round = 0; round < rounds; round++) {
            const order = names.map((_, i) => names[(i + round) % names.length] as string);
            for (const name of order) {
              const runs = results[name] ?? [];
              runs.push(wrk(`${targets[name]}/small`, connections, seconds, threads, script));
              results[name] = runs;
            }
          }
          const scenario = `${alg} + rate limit, ${store}`;
          for (const name of names) {
            const runs = results[name] ?? [];
            rows.push(
              `| ${scenario} | ${connections} | ${name} | ${Math.round(median(runs.map((r) => r.rps)))} | ${ms(median(runs.map((r) => r.p50)))} | ${ms(median(runs.map((r) => r.p99)))} |`,
            );
          }
          const guard = results[names[1] as string] ?? [];
          const base = results["node+undici"] ?? [];
          const ratios = guard.map((g, i) => g.rps / (base[i]?.rps ?? Number.NaN));
          const cell = ratioCell(ratios, store === "memory" ? FLOOR : undefined);
          ratioRows.push(
            `| ${scenario} | ${connections} | ${cell}${store === "memory" ? "" : " (no floor)"} |`,
          );
        }
      }
    }
    process.stdout.write(
      [
        `wrk ${threads} thread(s), ${rounds} interleaved rounds of ${seconds} s, medians (ratios: median of per-round ratios, quartiles in brackets); loopback, node ${process.version}`,
        `${TOKENS_PER_ALGORITHM} tokens per algorithm (one subject each), 39-byte responses; Redis prefix ${prefix}`,
        ...notes.map((n) => `note: ${n}`),
        "",
        "| scenario | connections | target | requests/s | p50 | p99 |",
        "|---|---|---|---|---|---|",
        ...rows,
        "",
        "| scenario | connections | guard / node+undici |",
        "|---|---|---|",
        ...ratioRows,
        "",
      ].join("\n"),
    );
  } finally {
    for (const p of processes) p.kill();
  }
}

await main();
