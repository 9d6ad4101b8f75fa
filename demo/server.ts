import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, type Server as TlsServer } from "node:https";
import type { Socket } from "node:net";
import { generate } from "selfsigned";
import { RampartError } from "../src/core/errors.js";
import { MODERN_CIPHERS } from "../src/core/tls.js";
import { createDemoHandler, type DemoUrls } from "./app.js";
import { createDemoContext } from "./context.js";
import { type FlawId, resolveFlaws } from "./flaws.js";
import type { RateLimitOptions } from "./http/rate-limit.js";
import { clientErrorResponse, policyHeaders } from "./http/respond.js";
import { loadSqlJs } from "./search/catalog.js";
import type { DemoContext } from "./types.js";

/** The addresses the demo may bind to: it is a vulnerable target, never reachable from outside. */
export const DEMO_HOSTS = ["127.0.0.1", "::1"] as const;

export interface DemoApiOptions {
  /** `"all"`, `"none"`, flaw names (array or comma-separated), or a resolved set. */
  readonly flaws: "all" | "none" | string | readonly string[] | ReadonlySet<FlawId>;
  /** Plain-HTTP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** When given (0 for a free one), HTTPS is served too, with a self-signed certificate. */
  readonly tlsPort?: number;
  readonly host?: (typeof DEMO_HOSTS)[number];
  /** Throttling limits (default {@link DEFAULT_RATE_LIMIT}). */
  readonly rateLimit?: RateLimitOptions;
  /** Duration of a report (default 1500 ms). */
  readonly reportDurationMs?: number;
  /**
   * Clock in milliseconds since the epoch; tests pass a fake one. It drives rate-limit windows,
   * report progress, and token, session and lockout expiry.
   */
  readonly now?: () => number;
  /**
   * The URL clients reach the demo at when it runs behind a gateway: its issuer, metadata and
   * document name it instead of the demo's own address (as any API behind a proxy is configured).
   */
  readonly publicUrl?: string;
}

export interface DemoApi {
  /** Plain-HTTP base URL, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** HTTPS base URL when `tlsPort` was given. */
  readonly tlsUrl?: string;
  readonly flaws: ReadonlySet<FlawId>;
  readonly context: DemoContext;
  /** Sets the public URL once the gateway in front is listening (see {@link DemoApiOptions.publicUrl}). */
  setPublicUrl(url: string): void;
  close(): Promise<void>;
}

// OpenSSL 3 refuses TLS 1.0 / 1.1 and SHA-1 suites below security level 0. Node only keeps
// TLS 1.3 when the list names a TLS 1.3 suite, hence the three in front.
const LEGACY_CIPHERS =
  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:DEFAULT:@SECLEVEL=0";

/**
 * Starts the demo API on loopback: plain HTTP, and HTTPS too when `tlsPort` is given. With TLS
 * on, the plain port redirects to HTTPS unless `plain-http` is on.
 *
 * @example
 * ```ts
 * const api = await startDemoApi({ flaws: "all", tlsPort: 0 });
 * await fetch(`${api.url}/health`);
 * await api.close();
 * ```
 */
export async function startDemoApi(options: DemoApiOptions): Promise<DemoApi> {
  const host = options.host ?? "127.0.0.1";
  if (!(DEMO_HOSTS as readonly string[]).includes(host)) {
    throw new RampartError(
      "ERR_LISTEN",
      `the demo API listens on loopback only (127.0.0.1 or ::1), not "${String(host)}"`,
    );
  }
  // The search's SQLite is opened on the first search; its optional module is looked for now, so
  // that an install without it fails here with its fix, not with a 500 in the middle of a scan.
  loadSqlJs();
  const selection = options.flaws;
  const flaws = resolveFlaws(
    typeof selection !== "string" && "has" in selection ? [...selection] : selection,
  );
  const urls: { http: string; https?: string } = { http: "" };
  let publicUrl = options.publicUrl?.replace(/\/$/, "");
  const context = await createDemoContext({
    flaws,
    baseUrl: () => publicUrl ?? urls.https ?? urls.http,
    ...(options.now ? { now: options.now } : {}),
  });
  const handler = createDemoHandler(context, {
    urls: (): DemoUrls => urls,
    rateLimit: options.rateLimit,
    reportDurationMs: options.reportDurationMs,
  });

  const servers: (Server | TlsServer)[] = [];
  try {
    if (options.tlsPort !== undefined) {
      const { private: key, cert } = await selfSignedCertificate();
      const weak = flaws.has("weak-tls");
      const tls = createTlsServer(
        {
          key,
          cert,
          minVersion: weak ? "TLSv1" : "TLSv1.2",
          ciphers: weak ? LEGACY_CIPHERS : MODERN_CIPHERS,
          honorCipherOrder: true,
        },
        handler,
      );
      servers.push(tls);
      urls.https = baseUrl("https", host, await listen(tls, options.tlsPort, host, context, true));
    }
    const redirect = urls.https !== undefined && !flaws.has("plain-http");
    const plain = createServer(
      redirect ? redirectHandler(context, () => urls.https ?? "") : handler,
    );
    servers.push(plain);
    urls.http = baseUrl("http", host, await listen(plain, options.port ?? 0, host, context, false));
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }

  return {
    url: urls.http,
    ...(urls.https ? { tlsUrl: urls.https } : {}),
    flaws,
    context,
    setPublicUrl(url) {
      publicUrl = url.replace(/\/$/, "");
    },
    close: async () => {
      await Promise.all(servers.map(closeServer));
    },
  };
}

/** The plain port with TLS on: 301 (GET, HEAD) or 308 (any other method, RFC 9110 15.4.9). */
function redirectHandler(
  context: DemoContext,
  httpsUrl: () => string,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const target = req.url?.startsWith("/") ? req.url : "/";
    const status = req.method === "GET" || req.method === "HEAD" ? 301 : 308;
    for (const [name, value] of Object.entries(policyHeaders(context, false))) {
      res.setHeader(name, value);
    }
    res.writeHead(status, { Location: `${httpsUrl()}${target}`, "Content-Length": 0 });
    res.end();
  };
}

function listen(
  server: Server | TlsServer,
  port: number,
  host: string,
  context: DemoContext,
  secure: boolean,
): Promise<number> {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable) socket.end(clientErrorResponse(context, error, secure));
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "EADDRINUSE"
          ? `port ${port} on ${host} is already in use`
          : `cannot listen on ${host}:${port}: ${error.message}`;
      reject(new RampartError("ERR_LISTEN", reason, { cause: error }));
    });
    try {
      server.listen(port, host, () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    } catch (error) {
      // An out-of-range or non-integer port throws before any "error" event.
      reject(new RampartError("ERR_LISTEN", `invalid port ${String(port)}`, { cause: error }));
    }
  });
}

function baseUrl(scheme: "http" | "https", host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function closeServer(server: Server | TlsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive connections would hold close() open until they time out.
    server.closeAllConnections();
  });
}

async function selfSignedCertificate(): Promise<{ private: string; cert: string }> {
  const notAfter = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
  return generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
}
