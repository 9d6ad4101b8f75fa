import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { jsonDepth } from "../src/guard/policies/json-body.js";
import { authenticate } from "./auth/authenticate.js";
import { authRoutes } from "./auth/routes.js";
import { BODY_HARD_CAP_BYTES, BODY_LIMIT_BYTES, MAX_JSON_DEPTH, readBody } from "./http/body.js";
import { corsHeaders } from "./http/cors.js";
import { isAccepted, isJsonMediaType, mediaTypeOf, negotiate } from "./http/negotiation.js";
import { HttpError, problem } from "./http/problem.js";
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from "./http/rate-limit.js";
import { asReturned, type ErrorOptions, errorResponse, send } from "./http/respond.js";
import { allowedMethods, createRouter, type RouteMatch } from "./http/router.js";
import { importsRoutes } from "./imports/routes.js";
import { oauthRoutes } from "./oauth/routes.js";
import { adminRoutes } from "./routes/admin.js";
import { filesRoutes } from "./routes/files.js";
import { metaRoutes } from "./routes/meta.js";
import { ordersRoutes } from "./routes/orders.js";
import { reportsRoutes } from "./routes/reports.js";
import { staticRoutes } from "./routes/static.js";
import { usersRoutes } from "./routes/users.js";
import { searchRoutes } from "./search/routes.js";
import type { DemoContext, DemoRequest, DemoResponse, Principal, Route } from "./types.js";

/** The base URL of each transport the demo serves. */
export interface DemoUrls {
  readonly http: string;
  readonly https?: string;
}

export interface DemoAppOptions {
  readonly rateLimit?: RateLimitOptions;
  /** How long a report takes: the request blocks that long with `slow-sync-work`. Default 1500. */
  readonly reportDurationMs?: number;
  /** Where the demo listens, asked per request (known once the server listens). */
  readonly urls?: () => DemoUrls;
}

/** Default duration of a report (`POST /api/reports`): 1.5 s. */
export const DEFAULT_REPORT_DURATION_MS = 1500;

/** Every method `any-method` claims to support. */
const ANY_METHOD_ALLOW = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];
const OVERRIDE_HEADERS = ["x-http-method-override", "x-http-method", "x-method-override"];

/** What one request has gathered on its way through the pipeline. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly secure: boolean;
  readonly url: URL;
  readonly method: string;
  readonly extraHeaders: Record<string, string>;
  match?: RouteMatch;
  methods: readonly string[];
  closeConnection: boolean;
}

/**
 * The demo's request pipeline for node:http: body limit (413), routing (404 / 405 + Allow),
 * rate limit (429), negotiation (406), content type (415), malformed JSON (400), authentication
 * (401 / 403), then the handler; every step switchable by its flaw.
 *
 * @example
 * ```ts
 * const server = http.createServer(createDemoHandler(context, { rateLimit: { limit: 100, windowSeconds: 10 } }));
 * ```
 */
export function createDemoHandler(
  context: DemoContext,
  options: DemoAppOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  // The context's clock: rate-limit windows and report progress follow the same fake time in tests.
  const now = (): number => context.now();
  const urls = options.urls ?? ((): DemoUrls => ({ http: "http://localhost" }));
  const routeOptions = {
    now,
    urls,
    reportDurationMs: options.reportDurationMs ?? DEFAULT_REPORT_DURATION_MS,
  };
  const routes: Route[] = [
    ...metaRoutes(context, routeOptions),
    ...staticRoutes(context),
    ...authRoutes(context),
    ...oauthRoutes(context),
    ...usersRoutes(context),
    ...ordersRoutes(context),
    ...importsRoutes(context),
    ...searchRoutes(context),
    ...reportsRoutes(context, routeOptions),
    ...filesRoutes(context),
    ...adminRoutes(context),
  ];
  const router = createRouter(routes);
  const limiter = createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, now);

  const pipeline = async (exchange: Exchange): Promise<DemoResponse> => {
    const { req, url, method } = exchange;
    const fail = (status: number, detail?: string, more: ErrorOptions = {}): DemoResponse =>
      errorResponse(context, status, detail, { pattern: exchange.match?.pattern, ...more });

    const limit = context.has("unbounded-input") ? BODY_HARD_CAP_BYTES : BODY_LIMIT_BYTES;
    const read = await readBody(req, limit);
    if (!read.ok) {
      exchange.closeConnection = read.unread;
      return fail(413, `The request body exceeds the limit of ${limit} bytes.`);
    }
    // Apache's TraceEnable: TRACE is answered before any routing (the XST vector).
    if (method === "TRACE" && context.has("any-method")) return traceEcho(req);

    const match = router.match(url.pathname);
    if (!match) return fail(404, "The requested resource does not exist.");
    exchange.match = match;
    exchange.methods = context.has("any-method") ? ANY_METHOD_ALLOW : allowedMethods(match.routes);

    if (!context.has("no-rate-limit")) {
      const decision = limiter.hit(`${clientIp(req)} ${match.pattern}`);
      Object.assign(exchange.extraHeaders, decision.headers);
      if (!decision.allowed) {
        return fail(429, `Too many requests: retry in ${decision.resetSeconds} s.`);
      }
    }
    if (method === "OPTIONS") return optionsResponse(match, exchange.methods);

    let route =
      match.routes.find((r) => r.method === method) ??
      (method === "HEAD" ? match.routes.find((r) => r.method === "GET") : undefined);
    if (!route) {
      if (!context.has("any-method")) {
        const allow = exchange.methods.join(", ");
        return fail(405, `${method} is not supported here; use ${allow}.`, {
          headers: { Allow: allow },
        });
      }
      route = match.routes.find((r) => r.method === "GET") ?? (match.routes[0] as Route);
    }

    const params = decodeParams(match.rawParams);
    if (params instanceof URIError) {
      return context.has("malformed-input-500")
        ? fail(500, undefined, { cause: params })
        : fail(400, "The path contains an invalid percent-encoding.", { cause: params });
    }
    const refused = checkRepresentation(context, route, req, read.body, fail);
    if (refused) return refused;

    const request: DemoRequest = {
      method,
      url,
      headers: req.headers,
      body: read.body,
      ip: clientIp(req),
      secure: exchange.secure,
      params,
    };
    let principal: Principal | undefined;
    if (route.auth !== "none") {
      const outcome = await authenticate(request, context);
      if (!outcome.ok) {
        // Not disguised by errors-as-200: a 401 with its challenge is what clients act upon.
        return problem(
          outcome.status,
          outcome.error,
          {},
          { "WWW-Authenticate": outcome.challenge },
        );
      }
      if (route.auth === "admin" && outcome.principal.user.role !== "admin") {
        return fail(403, "This resource requires the admin role.");
      }
      principal = outcome.principal;
    }

    try {
      return asReturned(context, await route.handler(request, context, principal));
    } catch (error) {
      if (error instanceof HttpError) {
        return fail(error.status, error.message, {
          extensions: error.errors.length > 0 ? { errors: error.errors } : {},
        });
      }
      return fail(500, undefined, { cause: error });
    }
  };

  return (req, res) => {
    const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
    const base = urls();
    const exchange: Exchange = {
      req,
      secure,
      url: requestUrl(req.url ?? "/", secure && base.https ? base.https : base.http),
      method: effectiveMethod(context, req),
      extraHeaders: {},
      methods: [],
      closeConnection: false,
    };
    pipeline(exchange)
      .catch((error: unknown) => errorResponse(context, 500, undefined, { cause: error }))
      .then((response) => {
        Object.assign(
          exchange.extraHeaders,
          corsHeaders({
            headers: req.headers,
            preflight: exchange.method === "OPTIONS" && isPreflight(req),
            methods: exchange.methods,
            permissive: context.has("permissive-cors"),
          }),
        );
        if (exchange.closeConnection) exchange.extraHeaders.Connection = "close";
        send(res, context, exchange, response);
      })
      .catch(() => res.destroy());
  };
}

function effectiveMethod(context: DemoContext, req: IncomingMessage): string {
  const method = req.method ?? "GET";
  if (method !== "POST" || !context.has("method-override")) return method;
  for (const name of OVERRIDE_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim().toUpperCase();
  }
  const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "").get("_method");
  return query ? query.toUpperCase() : method;
}

/** Path parameters, percent-decoded; the error (in Express's words) when one cannot be. */
function decodeParams(raw: Readonly<Record<string, string>>): Record<string, string> | URIError {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      return new URIError(`Failed to decode param '${value}'`);
    }
  }
  return params;
}

/**
 * Content negotiation (406, RFC 9110 12.5.1), the body's media type (415) and, for JSON bodies,
 * their syntax (400): undefined when the request may go on.
 */
function checkRepresentation(
  context: DemoContext,
  route: Route,
  req: IncomingMessage,
  body: Buffer,
  fail: (status: number, detail?: string, more?: ErrorOptions) => DemoResponse,
): DemoResponse | undefined {
  const produces = route.produces ?? ["application/json"];
  const accept = req.headers.accept;
  if (accept?.trim() && !context.has("no-406") && !negotiate(produces, accept)) {
    return fail(406, `This resource is available as ${produces.join(", ")} only.`, {
      extensions: { available: produces },
    });
  }
  if (!route.accepts || body.length === 0) return undefined;
  const type = mediaTypeOf(req.headers["content-type"]);
  let json = type !== undefined && isJsonMediaType(type);
  if (type === undefined || !isAccepted(type, route.accepts)) {
    if (!context.has("no-415")) {
      return fail(415, `Send the body as ${route.accepts.join(", ")}.`, {
        headers: acceptHeaderFor(route),
        extensions: { accepted: route.accepts },
      });
    }
    // The flaw: whatever it is declared as, a body for a JSON route is parsed as JSON.
    json = route.accepts.some(isJsonMediaType);
  }
  if (!json) return undefined;
  // Depth first: JSON.parse would build all of it before a handler could refuse it.
  if (!context.has("unbounded-input") && jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    return fail(400, `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  try {
    JSON.parse(body.toString("utf8"));
    return undefined;
  } catch (error) {
    return context.has("malformed-input-500")
      ? fail(500, undefined, { cause: error })
      : fail(400, "The request body is not valid JSON.", { cause: error });
  }
}

/** Origin-form targets are appended to the base as they are: `//host/x` stays a path. */
function requestUrl(target: string, base: string): URL {
  if (target.startsWith("/")) return new URL(base + target);
  try {
    const absolute = new URL(target);
    return new URL(base + absolute.pathname + absolute.search);
  } catch {
    return new URL(`${base}/`);
  }
}

function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "";
}

function isPreflight(req: IncomingMessage): boolean {
  return (
    req.headers.origin !== undefined && req.headers["access-control-request-method"] !== undefined
  );
}

/** OPTIONS (RFC 9110 9.3.7): Allow, plus Accept-Post / Accept-Patch (RFC 5789 3.1) of the resource. */
function optionsResponse(match: RouteMatch, methods: readonly string[]): DemoResponse {
  const headers: Record<string, string> = { Allow: methods.join(", ") };
  for (const route of match.routes) Object.assign(headers, acceptHeaderFor(route));
  return { status: 204, headers };
}

/** The header that tells a client which media types a method's body may have. */
function acceptHeaderFor(route: Route): Record<string, string> {
  const accepts = route.accepts?.join(", ");
  if (accepts === undefined) return {};
  if (route.method === "PATCH") return { "Accept-Patch": accepts };
  if (route.method === "POST") return { "Accept-Post": accepts };
  return {};
}

/** TRACE (RFC 9110 9.3.8): the request message as received, as `message/http`. */
function traceEcho(req: IncomingMessage): DemoResponse {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  return { status: 200, contentType: "message/http", body: `${lines.join("\r\n")}\r\n\r\n` };
}
