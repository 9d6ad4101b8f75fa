import type { IncomingMessage, ServerResponse } from "node:http";
import type { GuardMetrics } from "./metrics.js";

/**
 * The admin listener's handler: `/metrics` (Prometheus text format, MON-02), `/healthz` (the
 * process is up), `/readyz` (503 while draining, so a balancer stops sending traffic first).
 *
 * @example
 * ```ts
 * createServer(adminHandler(metrics, () => draining)).listen(9464, "127.0.0.1");
 * ```
 */
export function adminHandler(
  metrics: GuardMetrics,
  isDraining: () => boolean,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD")
      send(405, "text/plain", "method not allowed\n");
    else if (path === "/metrics")
      metrics.registry.metrics().then(
        (text) => send(200, metrics.registry.contentType, text),
        () => send(500, "text/plain", "metrics unavailable\n"),
      );
    else if (path === "/healthz") send(200, "application/json", '{"status":"ok"}\n');
    else if (path === "/readyz")
      isDraining()
        ? send(503, "application/json", '{"status":"draining"}\n')
        : send(200, "application/json", '{"status":"ready"}\n');
    else send(404, "text/plain", "not found\n");
  };
}
