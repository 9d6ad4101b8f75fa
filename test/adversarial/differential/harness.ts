// Starts the differential suite's world: the Express upstream in-process, the Python upstream
// as a child process, a guard with differentialConfig() in front of each; locks the victim out;
// then checks generated cases: each is sent raw to both guards, and the upstreams' readings and
// the answers the client got are compared with what the client presented.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { SignJWT } from "jose";
import type { Guard } from "../../../src/guard/server.js";
import { guardFor, type LogSink } from "../../guard/helpers.js";
import { exchange } from "../fixture.js";
import { startExpressUpstream } from "./express-upstream.js";
import { type Case, render, SCOPE_SETS } from "./generate.js";
import {
  AUDIENCE,
  differentialConfig,
  ISSUER,
  JWT_SECRET,
  LOCKED_USER,
  type Reading,
  SECRET_MARKERS,
  STACK_MARKERS,
  violations,
} from "./model.js";

/** The guards' access logs are not read here: kept, 100,000 requests would fill memory. */
const DISCARD: LogSink = { lines: [], text: () => "", write: () => undefined };

const PYTHON_UPSTREAM = fileURLToPath(
  new URL("../../../../test/adversarial/differential/upstream.py", import.meta.url),
);

/** One upstream with its guard: how to read what it recorded since the last case. */
interface Side {
  readonly name: "express" | "python";
  readonly guard: Guard;
  /** The upstream itself, for the proof that the properties fail with no guard in front. */
  readonly upstreamUrl: string;
  readingsFrom(index: number): Promise<Reading[]>;
  count: number;
}

export interface Differential {
  /**
   * Sends `c` to both guards (with `withoutGuard`, straight to both upstreams: the proof that a
   * property can fail); returns every bypass or leak seen (empty: none).
   */
  check(c: Case, options?: { withoutGuard?: boolean }): Promise<string[]>;
  /** Cases checked so far, and how often each operation was served (through a guard). */
  readonly stats: () => { checked: number; served: Record<string, number> };
  close(): Promise<void>;
}

export async function startDifferential(): Promise<Differential> {
  const express = await startExpressUpstream();
  const python = spawn("python3", ["-u", PYTHON_UPSTREAM], { stdio: ["pipe", "pipe", "pipe"] });
  const pythonUrl = await pythonPort(python);
  const guards: Guard[] = [];
  try {
    const expressGuard = await guardFor(express.url, differentialConfig(), DISCARD);
    guards.push(expressGuard);
    const pythonGuard = await guardFor(pythonUrl, differentialConfig(), DISCARD);
    guards.push(pythonGuard);
    const sides: Side[] = [
      {
        name: "express",
        guard: expressGuard,
        upstreamUrl: express.url,
        count: 0,
        readingsFrom: async (i) => express.readings.slice(i),
      },
      {
        name: "python",
        guard: pythonGuard,
        upstreamUrl: pythonUrl,
        count: 0,
        readingsFrom: async (i) =>
          (await (await fetch(`${pythonUrl}/__records?from=${i}`)).json()) as Reading[],
      },
    ];
    const tokens = await tokenSource();
    for (const side of sides) await lockOut(side);
    let checked = 0;
    const served: Record<string, number> = {};
    return {
      stats: () => ({ checked, served: { ...served } }),
      async check(c, options = {}) {
        const direct = options.withoutGuard === true;
        if (!direct) checked++;
        const rendered = render(c, await tokens());
        const problems: string[] = [];
        for (const side of sides) {
          const url = direct ? side.upstreamUrl : side.guard.url;
          const answer = await exchange(url, rendered.bytes, { idleMs: 3000 });
          const readings = await side.readingsFrom(side.count);
          side.count += readings.length;
          for (const reading of readings) {
            if (!direct) served[reading.op] = (served[reading.op] ?? 0) + 1;
            for (const v of violations(reading, rendered.presented))
              problems.push(`${side.name}: ${v} (read as ${reading.op} ${reading.path})`);
          }
          for (const res of answer.responses)
            for (const leak of leaks(res.headers, res.body))
              problems.push(`${side.name}: ${leak} reached the client (${res.status})`);
        }
        if (problems.length > 0) problems.push(`request:\n${rendered.text}`);
        return problems;
      },
      async close() {
        for (const guard of guards) await guard.close();
        await express.close();
        python.stdin.end();
        python.kill();
      },
    };
  } catch (error) {
    for (const guard of guards) await guard.close();
    await express.close();
    python.kill();
    throw error;
  }
}

async function pythonPort(python: ChildProcessWithoutNullStreams): Promise<string> {
  let out = "";
  let err = "";
  python.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  for await (const chunk of python.stdout) {
    out += String(chunk);
    if (out.includes("\n")) return `http://127.0.0.1:${Number(out.trim())}`;
  }
  throw new Error(`the Python upstream did not start: ${err}`);
}

/** Bearer tokens per scope set, valid and badly signed, re-signed every few minutes. */
async function tokenSource(): Promise<() => Promise<(scopes: number, valid: boolean) => string>> {
  const key = Buffer.from(JWT_SECRET, "base64url");
  const wrong = Buffer.alloc(32, 7);
  let signedAt = 0;
  let table: { valid: string[]; forged: string[] } = { valid: [], forged: [] };
  const sign = (scopes: readonly string[], secret: Buffer) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: scopes.join(" ") })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("alice")
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(secret);
  };
  return async () => {
    if (Date.now() - signedAt > 240_000) {
      signedAt = Date.now();
      table = {
        valid: await Promise.all(SCOPE_SETS.map((s) => sign(s, key))),
        forged: await Promise.all(SCOPE_SETS.map((s) => sign(s, wrong))),
      };
    }
    const t = table;
    return (scopes, valid) => (valid ? t.valid : t.forged)[scopes] as string;
  };
}

/** Three failed logins for the victim, then the fourth must be refused by the guard. */
async function lockOut(side: Side): Promise<void> {
  const body = JSON.stringify({ username: LOCKED_USER, password: "wrong" });
  const bytes = `POST /login HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++)
    statuses.push((await exchange(side.guard.url, bytes)).responses[0]?.status ?? 0);
  if (statuses.join() !== "401,401,401,429")
    throw new Error(`${side.name}: the victim was not locked out: ${statuses.join()}`);
  side.count = (await side.readingsFrom(0)).length;
}

/** Planted secrets and traces found in an answer's headers or (decoded) body. */
function leaks(headers: Record<string, string>, latin1Body: string): string[] {
  let body = Buffer.from(latin1Body, "latin1");
  const coding = headers["content-encoding"]?.toLowerCase() ?? "";
  try {
    if (coding.includes("gzip")) body = gunzipSync(body);
    else if (coding === "deflate") body = inflateSync(body);
    else if (coding === "br") body = brotliDecompressSync(body);
  } catch {
    // Not decodable as declared: looked at as it came.
  }
  const text = `${Object.entries(headers)
    .map(([n, v]) => `${n}: ${v}`)
    .join("\n")}\n\n${body.toString("latin1")}`;
  const found: string[] = [];
  for (const m of SECRET_MARKERS) if (text.includes(m)) found.push(`secret "${m}"`);
  for (const m of STACK_MARKERS) if (text.includes(m)) found.push(`stack trace "${m}"`);
  return found;
}
