import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { after } from "node:test";
import { type DemoApi, type DemoApiOptions, startDemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";

/** A response read whole, with raw access to status and headers. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  json(): any;
}

export interface RawRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/**
 * One HTTP(S) request with node:http: any method (TRACE included), any header, no defaults
 * added (fetch would add Accept and refuse TRACE). HTTPS accepts the demo's self-signed cert.
 */
export function send(url: string, options: RawRequest = {}): Promise<RawResponse> {
  const target = new URL(url);
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: false,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Starts a demo for a test: loopback, ephemeral port, a throttle high enough not to interfere. */
export function startDemo(
  flaws: DemoApiOptions["flaws"],
  options: Omit<DemoApiOptions, "flaws"> = {},
): Promise<DemoApi> {
  return startDemoApi({ rateLimit: { limit: 10_000, windowSeconds: 10 }, ...options, flaws });
}

/** Logs a demo user in through `POST /auth/login` and returns the access token. */
export async function login(api: DemoApi, username: keyof typeof DEMO_USERS): Promise<string> {
  const { password } = DEMO_USERS[username];
  const res = await send(`${api.url}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${res.body}`);
  const token = res.json().access_token;
  if (typeof token !== "string") throw new Error(`login as ${username}: no access_token`);
  return token;
}

/** Authorization header of a bearer token, plus any other headers. */
export function bearer(
  token: string,
  headers: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...headers };
}

/** A JSON request body with its Content-Type. */
export function jsonRequest(method: string, body: unknown, headers: Record<string, string> = {}) {
  return {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** A fake clock for the demo's `now` option: tests move time forward instead of sleeping. */
export interface FakeClock {
  readonly now: () => number;
  advance(ms: number): void;
}

export function fakeClock(start = Date.now()): FakeClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

/**
 * One demo per flaw selection, shared by the tests of a file that do not change its state much,
 * all closed after the file's tests.
 */
export function demoPool(): (flaws: string) => Promise<DemoApi> {
  const demos = new Map<string, Promise<DemoApi>>();
  after(async () => {
    for (const api of demos.values()) await (await api).close();
  });
  return (flaws) => {
    let api = demos.get(flaws);
    if (!api) {
      api = startDemo(flaws);
      demos.set(flaws, api);
    }
    return api;
  };
}
