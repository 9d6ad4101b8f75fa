// The Express side of the differential suite: an ordinary Express 5 app with body-parser's JSON
// and urlencoded (qs, "extended") readers, method-override's three usual sources (the
// X-HTTP-Method-Override family on POST, `_method` in the query, `_method` in a form body, as the
// method-override README shows), `trust proxy` on, and Express's defaults for routing (case-
// insensitive, trailing slash optional). Each route records how it read the request, then
// answers with whatever the request asked it to plant (plant.ts).
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Reading } from "./model.js";
import { plantFor, sendPlant } from "./plant.js";
import { credentialParameters } from "./query-read.js";

const OVERRIDE_HEADERS = ["x-http-method-override", "x-http-method", "x-method-override"];

export interface ExpressUpstream {
  readonly url: string;
  readonly readings: Reading[];
  close(): Promise<void>;
}

export async function startExpressUpstream(): Promise<ExpressUpstream> {
  const readings: Reading[] = [];
  const app = express();
  app.set("trust proxy", true);
  app.set("query parser", "extended");
  app.use(express.json({ limit: "1mb" }));
  app.use(express.urlencoded({ extended: true, limit: "1mb" }));
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== "POST") return next();
    const body = req.body as Record<string, unknown> | undefined;
    const query = req.query as Record<string, unknown>;
    let wanted: unknown;
    for (const name of OVERRIDE_HEADERS) wanted ??= req.headers[name];
    wanted ??= query._method;
    if (body && typeof body === "object" && "_method" in body) wanted = body._method;
    if (typeof wanted === "string" && /^[a-z]+$/i.test(wanted)) req.method = wanted.toUpperCase();
    next();
  });

  const record = (op: string) => (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = op === "POST /login" ? userOf(body.username) : undefined;
    const all = (name: string) => {
      const v = req.headers[name];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    };
    readings.push({
      upstream: "express",
      op,
      path: req.path,
      username,
      subject: all("x-auth-subject"),
      scopes: all("x-auth-scopes"),
      apiKeyName: all("x-auth-key"),
      apiKeys: [...all("x-api-key"), ...all("x-partner-key")],
      queryCredentials: credentialParameters(req.query as Record<string, unknown>),
      clientIp: req.ip ?? "",
    });
    if (op === "POST /login" && !(username !== undefined && body.password === "right-password"))
      return res.status(401).json({ error: "invalid credentials" });
    sendPlant(res, plantFor(req.headers["x-plant"]), req.headers.range);
  };

  app.get("/api/items", record("GET /api/items"));
  app.post("/api/items", record("POST /api/items"));
  app.get("/api/items/:id", record("GET /api/items/:id"));
  app.post("/api/items/:id", record("POST /api/items/:id"));
  app.put("/api/items/:id", record("PUT /api/items/:id"));
  app.patch("/api/items/:id", record("PATCH /api/items/:id"));
  app.delete("/api/items/:id", record("DELETE /api/items/:id"));
  app.get("/admin", record("GET /admin"));
  app.post("/admin", record("POST /admin"));
  app.get("/admin/:id", record("GET /admin/:id"));
  app.delete("/admin/:id", record("DELETE /admin/:id"));
  app.get("/reports", record("GET /reports"));
  app.post("/login", record("POST /login"));
  app.get("/files/*rest", record("GET /files/*"));
  app.use(record("none"));
  // Express's own error handler would print the stack in development; this one does the same.
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res
      .status(500)
      .type("text/plain")
      .send(`${error.stack ?? error.message}\n    at handler (/srv/app.js:1:1)`);
  });

  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    readings,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The login lookup: a string username, NFKC, trimmed, lower-cased (case-insensitive users). */
function userOf(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  return String(value).normalize("NFKC").trim().toLowerCase();
}
