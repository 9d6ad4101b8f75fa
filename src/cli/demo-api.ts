import { FLAWS, resolveFlaws } from "../../demo/flaws.js";
import { startDemoApi } from "../../demo/server.js";
import { RampartError } from "../core/errors.js";
import type { CliIO } from "./io.js";

export interface DemoApiOptions {
  readonly flaws: string;
  readonly port: string;
  readonly tlsPort?: string;
  readonly host: "127.0.0.1" | "::1";
  readonly listFlaws?: boolean;
  readonly publicUrl?: string;
}

/** `rampart demo-api`: runs the demo API until SIGINT / SIGTERM. */
export async function demoApiCommand(options: DemoApiOptions, io: CliIO): Promise<number> {
  if (options.listFlaws) {
    const width = Math.max(...FLAWS.map((f) => f.id.length));
    for (const f of FLAWS)
      io.stdout.write(`${f.id.padEnd(width)}  ${f.items.join(",").padEnd(17)}  ${f.description}\n`);
    return 0;
  }
  const flaws = resolveFlaws(options.flaws);
  const port = parsePort(options.port, "--port");
  const tlsPort =
    options.tlsPort === undefined ? undefined : parsePort(options.tlsPort, "--tls-port");
  const publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl);
  const api = await startDemoApi({
    flaws,
    port,
    host: options.host,
    ...(tlsPort === undefined ? {} : { tlsPort }),
    ...(publicUrl === undefined ? {} : { publicUrl }),
  });
  io.stdout.write(
    `Rampart demo API (${flaws.size} of ${FLAWS.length} flaws on${flaws.size === 0 ? ": the hardened twin" : ""})\n` +
      `  ${api.url}${api.tlsUrl ? `\n  ${api.tlsUrl} (self-signed certificate)` : ""}\n` +
      `  OpenAPI document: ${api.tlsUrl ?? api.url}/openapi.json\n` +
      "Press Ctrl-C to stop.\n",
  );
  await new Promise<void>((done) => {
    if (!io.signal) return; // without a signal the server runs until the process ends
    if (io.signal.aborted) return done();
    io.signal.addEventListener("abort", () => done(), { once: true });
  });
  await api.close();
  return 0;
}

function parsePublicUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/")
    throw new RampartError(
      "ERR_USAGE",
      `--public-url must be an http(s) origin such as http://127.0.0.1:8443 (got "${value}")`,
    );
  return url.origin;
}

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65535) {
    throw new RampartError("ERR_USAGE", `${flag} must be a port number 0-65535 (got "${value}")`);
  }
  return port;
}
