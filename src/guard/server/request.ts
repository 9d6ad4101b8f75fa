import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Pool } from "undici";
import type { Identity } from "../auth/verify.js";
import type { CompiledRoute, RouteTable } from "../config/route-table.js";
import { clientAddress, dropConnectionOptions } from "../forward.js";
import { needsDecoding } from "../policies/request-body.js";
import { mediaTypeOf } from "../policies/response-type.js";
import type { GuardRuntime, Rejection, RequestContext } from "../policy.js";
import { sendProblem } from "../problem.js";
import {
  BAD_GATEWAY,
  bannedRejection,
  HEADERS_TOO_MANY,
  methodNotAllowed,
  NOT_FOUND,
  POLICY_FAILED,
} from "./answers.js";
import { forward } from "./exchange.js";
import { type BodyReader, limited, readBody } from "./request-body.js";
import type { ServerScope } from "./scope.js";

/**
 * Serves one request through the pipeline: head checks (header count, bans, normalisation,
 * routing, the route's request policies, their asynchronous ones), then the body checks when a
 * policy must read the body, then the upstream exchange. `expectsContinue`: the request came
 * with `Expect: 100-continue`, answered only once its head passed every policy.
 *
 * @example
 * ```ts
 * const server = createServer((req, res) => handleRequest(scope, req, res, false));
 * ```
 */
export function handleRequest(
  scope: ServerScope,
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue: boolean,
): void {
  new GuardRequest(scope, req, res, expectsContinue).run();
}

/**
 * One request's state: the {@link RequestContext} the policies read, and what the pipeline
 * needs until the request is over. Its steps are methods (one object per request, no closure
 * per request); the upstream exchange keeps its own state (exchange.ts).
 */
export class GuardRequest implements RequestContext, BodyReader {
  readonly id: string;
  path = "";
  query = "";
  clientIp: string;
  readonly secure: boolean;
  contentType: string;
  hasBody: boolean;
  identity: Identity | undefined = undefined;
  readonly runtime: GuardRuntime;
  locals: Map<string, unknown> | undefined = undefined;

  /** The table and pools as they were when the request arrived: a swap does not change them. */
  readonly table: RouteTable;
  readonly pools: ReadonlyMap<string, Pool>;
  readonly started: number;
  /** The socket's peer address (before trusted proxies). */
  readonly peer: string;
  route: CompiledRoute | undefined = undefined;
  pool: Pool | undefined = undefined;
  private finished = false;
  private refused: Rejection | undefined = undefined;

  constructor(
    readonly scope: ServerScope,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly expectsContinue: boolean,
  ) {
    const { table, pools } = scope.live;
    this.table = table;
    this.pools = pools;
    this.started = performance.now();
    this.peer = req.socket.remoteAddress ?? "";
    const headers = req.headers;
    if (headers.connection !== undefined) dropConnectionOptions(headers);
    this.id = randomUUID();
    this.runtime = scope.runtime;
    this.clientIp = clientAddress(this.peer, headers["x-forwarded-for"], table.trustedProxies);
    this.secure = scope.secure;
    this.contentType = mediaTypeOf(headers["content-type"]);
    this.hasBody =
      headers["transfer-encoding"] !== undefined ||
      (headers["content-length"] !== undefined && headers["content-length"] !== "0");
  }

  /** The head checks, in the order of the request path (DESIGN.md). */
  run(): void {
    const { req, table } = this;
    // While draining, requests still arriving on open connections are served, then their
    // connections close.
    if (this.scope.draining) this.res.shouldKeepAlive = false;
    if (req.rawHeaders.length / 2 > table.server.maxHeaderCount) {
      this.refuse(HEADERS_TOO_MANY);
      return;
    }
    const bannedFor = this.scope.store.bans.ttl(this.clientIp);
    if (bannedFor > 0) {
      this.refuse(bannedRejection(bannedFor));
      return;
    }
    let problem = table.normalize(this);
    if (problem) {
      this.refuse(problem);
      return;
    }
    const entry = table.match(this.path);
    if (!entry) {
      this.refuse(NOT_FOUND);
      return;
    }
    const route = entry.methods.get(req.method ?? "");
    if (!route) {
      this.refuse(methodNotAllowed(entry.allow));
      return;
    }
    this.route = route;
    // Indexed loops on the request path: an iterator per loop and request is garbage for the
    // scavenger, and it adds up over a dozen loops (the same below and in exchange.ts).
    const onRequest = route.onRequest;
    for (let i = 0; i < onRequest.length; i++) {
      problem = (onRequest[i] as (typeof onRequest)[number])(this);
      if (problem) {
        this.refuse(problem);
        return;
      }
    }
    this.pool = this.pools.get(route.spec.upstream);
    if (!this.pool) {
      this.refuse(BAD_GATEWAY);
      return;
    }
    if (route.onRequestAsync.length === 0) this.proceed(route);
    else void this.checkAsync(route);
  }

  /** Checks that need I/O, in policy order; the first rejection wins. */
  private async checkAsync(route: CompiledRoute): Promise<void> {
    let problem: Rejection | undefined;
    try {
      for (const check of route.onRequestAsync) {
        problem = await check(this);
        if (problem) break;
      }
    } catch (error) {
      this.policyFailed(error);
      return;
    }
    if (problem) this.refuse(problem);
    else this.proceed(route);
  }

  /** The head passed: read the body when a check must, else forward it as it streams. */
  private proceed(route: CompiledRoute): void {
    const { req, hasBody } = this;
    // A client that left during the asynchronous checks is not watched for yet: forwarding
    // its request would pause the upstream connection on a dead socket for good.
    if (req.socket.destroyed) {
      this.finish();
      return;
    }
    if (this.expectsContinue) this.res.writeContinue();
    // A coded body is read whole whatever the policies want: it can only be sized decoded, and
    // the upstream gets it as the guard read it.
    const wantsBody =
      hasBody &&
      (needsDecoding(req.headers) ||
        anyWants(route.bodyChecks, this) ||
        anyWants(route.bodyChecksAsync, this));
    if (wantsBody) {
      readBody(req, route.spec.bodyLimit, this);
      return;
    }
    // A declared Content-Length was checked against the limit and Node enforces it; only a
    // chunked body can still overrun, so only that one is counted.
    forward(
      this,
      !hasBody
        ? null
        : req.headers["transfer-encoding"] === undefined
          ? req
          : Readable.from(limited(req, route.spec.bodyLimit), { objectMode: false }),
    );
  }

  /** The whole body arrived (or passed the limit): decode it once, then run the body checks. */
  bodyRead(raw: Buffer | undefined): void {
    const route = this.route as CompiledRoute;
    if (raw === undefined) {
      this.refuse(route.tooLarge);
      return;
    }
    const decoded = route.decodeBody(raw, this);
    if (!Buffer.isBuffer(decoded)) {
      this.refuse(decoded);
      return;
    }
    let body = decoded;
    const checks = route.bodyChecks;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as (typeof checks)[number];
      if (!check.wantsRequestBody(this)) continue;
      const decision = check.onRequestBody(body, this);
      if (decision === undefined) continue;
      if (!("body" in decision)) {
        this.refuse(decision);
        return;
      }
      // A check rewrote the body (strip): later checks and the upstream get the new one.
      body = decision.body;
      this.req.headers["content-length"] = String(body.length);
    }
    if (route.bodyChecksAsync.length === 0) forward(this, body);
    else void this.checkBodyAsync(route, body);
  }

  bodyFailed(): void {
    this.res.destroy();
    this.finish();
  }

  /** Body checks with I/O, run after every synchronous one passed; the first rejection wins. */
  private async checkBodyAsync(route: CompiledRoute, body: Buffer): Promise<void> {
    let problem: Rejection | undefined;
    try {
      for (const check of route.bodyChecksAsync) {
        if (!check.wantsRequestBody(this)) continue;
        problem = await check.onRequestBodyAsync(body, this);
        if (problem) break;
      }
    } catch (error) {
      this.policyFailed(error);
      return;
    }
    if (problem) this.refuse(problem);
    else forward(this, body);
  }

  /** A policy failed (rather than refused): fail closed. */
  policyFailed(error: unknown): void {
    this.scope.logger.error({ event: "policy-error", id: this.id, error: String(error) });
    this.refuse(POLICY_FAILED);
  }

  /** Answers with the guard's refusal (problem+json) and finishes the request. */
  refuse(problem: Rejection): void {
    const { req, res } = this;
    this.refused = problem;
    const blocks = this.scope.metrics.blocks;
    for (const item of problem.items.length > 0 ? problem.items : ["none"])
      blocks.labels(problem.policy, item).inc();
    if (this.hasBody && !req.complete) {
      // Drain what the client still sends, then close: never parse it as the next request.
      res.shouldKeepAlive = false;
      req.resume();
    }
    sendProblem(res, problem, this.id, this.secure, this.table.harden, req.method === "HEAD");
    this.finish(problem.policy);
  }

  /**
   * Called once the request is over, whatever happened (later calls do nothing): the route's
   * finish hooks, detection, metrics and the access line.
   */
  finish(blockedBy?: string, upstreamStatus?: number): void {
    if (this.finished) return;
    this.finished = true;
    const { req, res, route, scope } = this;
    const pattern = route?.spec.path ?? "none";
    const status = res.headersSent ? res.statusCode : 0;
    if (route)
      for (let i = 0; i < route.onFinish.length; i++)
        (route.onFinish[i] as CompiledRoute["onFinish"][number])(this, status);
    scope.runtime.observe({
      client: this.clientIp,
      method: req.method ?? "",
      route: route?.spec.path,
      status,
      rejection: this.refused,
    });
    const seconds = (performance.now() - this.started) / 1000;
    scope.stats.counted(pattern, req.method ?? "", res.statusCode).inc();
    scope.stats.timed(pattern).observe(seconds);
    scope.access(
      this.id,
      this.clientIp,
      req.method,
      scope.stats.loggedUrl(req.url ?? ""),
      route?.spec.path,
      res.statusCode,
      Math.round(seconds * 1e4) / 10,
      blockedBy,
      upstreamStatus,
    );
  }
}

/** Whether any of `checks` wants to read the request's body. */
function anyWants(
  checks: readonly { wantsRequestBody(ctx: GuardRequest): boolean }[],
  request: GuardRequest,
): boolean {
  for (let i = 0; i < checks.length; i++)
    if ((checks[i] as (typeof checks)[number]).wantsRequestBody(request)) return true;
  return false;
}
