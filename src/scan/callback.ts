import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the listener received: proof that the target fetched a URL the scan made up. */
export interface CallbackHit {
  readonly method: string;
  /** The path as received, random token included. */
  readonly path: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** A loopback HTTP listener that records requests to URLs with unguessable tokens. */
export interface CallbackListener {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** A fresh URL under the listener, e.g. `http://127.0.0.1:4321/rampart/xxe-3f9a...`. */
  url(label: string): string;
  /** The hits on URLs made by {@link url} whose path contains `token` (or all of them). */
  hits(token?: string): readonly CallbackHit[];
  close(): Promise<void>;
}

/** What the listener answers: short text, so that a parser that resolved the entity goes on. */
export const CALLBACK_BODY = "rampart-callback";

/**
 * Starts a listener on 127.0.0.1, port chosen by the system, for out-of-band probes (XXE):
 * only a target on the same loopback interface can reach it, so it is only offered when the
 * target itself is loopback. It answers every request with a short text and keeps at most
 * `maxHits` records, so a target that loops on it costs nothing.
 *
 * @example
 * ```ts
 * const listener = await startCallbackListener();
 * const url = listener.url("xxe"); // http://127.0.0.1:40123/rampart/xxe-1f2e...
 * // ... the target fetches it ...
 * listener.hits(new URL(url).pathname).length; // 1
 * await listener.close();
 * ```
 */
export async function startCallbackListener(maxHits = 100): Promise<CallbackListener> {
  const hits: CallbackHit[] = [];
  const server = createServer((req, res) => {
    if (hits.length < maxHits)
      hits.push({ method: req.method ?? "GET", path: req.url ?? "/", at: Date.now() });
    req.resume();
    res.writeHead(200, { "content-type": "text/plain", connection: "close" });
    res.end(CALLBACK_BODY);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (label) => `${origin}/rampart/${label}-${randomBytes(8).toString("hex")}`,
    hits: (token) => (token === undefined ? [...hits] : hits.filter((h) => h.path.includes(token))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
