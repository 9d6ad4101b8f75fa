import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher, Pool } from "undici";
import { redact } from "../../core/redact.js";
import { codingsOf, DECODABLE, decodeCodings } from "../codings.js";
import type { CompiledRoute } from "../config/route-table.js";
import { upstreamHeaders, withoutHopByHop } from "../forward.js";
import { inList } from "../policies/ip-allow.js";
import type { BodyDecision, Rejection, ResponseHead } from "../policy.js";
import { BAD_GATEWAY, GATEWAY_TIMEOUT, UNINSPECTABLE } from "./answers.js";
import type { GuardRequest } from "./request.js";
import { BodyTooLarge } from "./request-body.js";

/** Bytes of a streamed response that may wait for a slow client before the upstream pauses. */
const STREAM_BUFFER_BYTES = 64 * 1024;

const EXCHANGE = Symbol("rampart.exchange");

interface Tagged {
  [EXCHANGE]?: UpstreamExchange;
}

/**
 * Sends a request that passed every check to its upstream, and its answer through the response
 * policies to the client. undici's dispatch API rather than request(): no response Readable, no
 * pipe, no promise and no async resource per request; upstream chunks go straight to the client
 * socket, and its backpressure pauses the upstream connection.
 *
 * @example
 * ```ts
 * forward(request, null); // a GET: no body
 * ```
 */
export function forward(request: GuardRequest, body: Buffer | Readable | null): void {
  const { req, res, table, peer } = request;
  const exchange = new UpstreamExchange(request);
  const peerTrusted = table.trustedProxies !== undefined && inList(table.trustedProxies, peer);
  // The client may leave at any point, even before the upstream answers: the exchange with
  // the upstream is aborted then, or its connection would stay paused on a dead client.
  // Emitted once per response: `on` spares once()'s wrapper and removal on every request.
  (res as Tagged)[EXCHANGE] = exchange;
  res.on("close", onClientClose);
  (request.pool as Pool).dispatch(
    {
      path: request.path + request.query,
      method: req.method as "GET",
      headers: upstreamHeaders(req.headers, peer, peerTrusted, request.secure, request.id),
      body,
    },
    exchange,
  );
}

function onClientClose(this: ServerResponse): void {
  (this as Tagged)[EXCHANGE]?.clientClosed();
}

function onClientDrain(this: ServerResponse): void {
  (this as Tagged)[EXCHANGE]?.controller?.resume();
}

/**
 * The state of one exchange with the upstream, and undici's handler of it: its methods are
 * called by undici (onRequestStart, onResponseStart, onResponseData, onResponseEnd,
 * onResponseError) and by the client's `close`.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined = undefined;
  private head: ResponseHead | undefined = undefined;
  // "sent": the last byte the upstream announced went out with res.end(), before undici's end.
  private mode: "stream" | "buffer" | "sent" | "done" = "done";
  // Bytes still due in a streamed body with a Content-Length; -1 without one.
  private remaining = -1;
  // Up to `limit` bytes a policy must inspect (longer is withheld); up to `peek` bytes one
  // would like to (longer goes on uninspected).
  private limit = 0;
  private peek = 0;
  // The content codings to undo before the body hooks read a buffered body.
  private codings: string[] | undefined = undefined;
  private total = 0;
  private upstreamStatus = 0;
  private chunks: Buffer[] | undefined = undefined;
  private gone = false;
  private readonly route: CompiledRoute;
  private readonly res: ServerResponse;

  constructor(private readonly request: GuardRequest) {
    this.route = request.route as CompiledRoute;
    this.res = request.res;
  }

  clientClosed(): void {
    if (!this.res.writableFinished && (this.mode !== "done" || this.head === undefined)) {
      this.gone = true;
      this.mode = "done";
      this.controller?.abort(new Error("client closed"));
    }
    this.request.finish(undefined, this.upstreamStatus || undefined);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.gone) controller.abort(new Error("client closed"));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[]>,
  ): void {
    if (status < 200) return; // 1xx: informational, the final answer follows
    const { request, res, route } = this;
    this.upstreamStatus = status;
    const head: ResponseHead = {
      status,
      headers: withoutHopByHop(headers as ResponseHead["headers"]),
    };
    this.head = head;
    head.headers["x-request-id"] = request.id;
    let limit = 0;
    let peek = 0;
    const heads = route.onResponseHead;
    for (let i = 0; i < heads.length; i++) {
      const wanted = (heads[i] as (typeof heads)[number])(head, request);
      if (wanted === undefined) continue;
      if (typeof wanted !== "number") {
        controller.abort(new Error("withheld"));
        this.withhold(wanted, status, undefined);
        return;
      }
      if (wanted > limit) limit = wanted;
    }
    const peeks = route.peekResponse;
    for (let i = 0; i < peeks.length; i++) {
      const wanted = (peeks[i] as (typeof peeks)[number])(head, request);
      if (wanted !== undefined && wanted > peek) peek = wanted;
    }
    this.limit = limit;
    if (request.req.method === "HEAD" || status === 204 || status === 304) {
      res.writeHead(head.status, head.headers);
      res.end();
      request.finish(undefined, status);
      return;
    }
    const encoding = head.headers["content-encoding"];
    // The guard asks for identity; an upstream that codes anyway is decoded to be read.
    if (encoding !== undefined && (limit > 0 || peek > 0)) {
      this.codings = codingsOf(encoding, DECODABLE);
      if (this.codings === undefined) {
        if (limit > 0) {
          controller.abort(new Error("uninspectable"));
          request.refuse(UNINSPECTABLE);
          return;
        }
        peek = 0;
      }
    }
    this.peek = peek;
    if (limit === 0 && peek === 0) {
      this.mode = "stream";
      const length = head.headers["content-length"];
      // undici refuses a malformed Content-Length before this point.
      if (typeof length === "string") this.remaining = Number(length);
      res.writeHead(head.status, head.headers);
      return;
    }
    this.mode = "buffer";
    this.chunks = [];
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.res;
    if (this.mode === "stream") {
      // The body's last bytes go out with end(): one write for the whole response when it
      // came in one chunk, and no backpressure to wait for (write() answers false for any
      // chunk of 16 KiB or more, since node corks a response's first writes).
      if (this.remaining > 0) {
        this.remaining -= chunk.length;
        if (this.remaining === 0) {
          this.mode = "sent";
          res.end(chunk);
          return;
        }
      }
      this.write(controller, chunk);
    } else if (this.mode === "buffer") {
      const chunks = this.chunks as Buffer[];
      this.total += chunk.length;
      if (this.total > this.limit && this.total > this.peek) {
        if (this.limit > 0) {
          this.mode = "done";
          controller.abort(new Error("too large to inspect"));
          this.request.refuse(UNINSPECTABLE);
          return;
        }
        // Only a peek wanted it: the body goes on as it came, uninspected.
        this.mode = "stream";
        const head = this.head as ResponseHead;
        res.writeHead(head.status, head.headers);
        for (const held of chunks) res.write(held);
        chunks.length = 0;
        this.write(controller, chunk);
        return;
      }
      chunks.push(chunk);
    }
  }

  /**
   * Up to STREAM_BUFFER_BYTES may wait in the process for a slow client; beyond, the upstream
   * connection pauses until the client has taken them.
   */
  private write(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.res;
    if (!res.write(chunk) && res.writableLength >= STREAM_BUFFER_BYTES) {
      controller.pause();
      res.once("drain", onClientDrain);
    }
  }

  onResponseEnd(): void {
    if (this.mode === "stream") this.res.end();
    else if (this.mode === "buffer" && this.head) {
      const chunks = this.chunks as Buffer[];
      this.decodeThenInspect(
        this.head,
        chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      );
    }
    this.mode = "done";
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.gone) return;
    if (this.head === undefined) {
      this.upstreamFailed(error);
      return;
    }
    // A response already sent whole stays as it is.
    if (this.mode === "stream" || this.mode === "buffer") this.res.destroy();
    this.mode = "done";
  }

  private upstreamFailed(error: unknown): void {
    const { request, route } = this;
    if (error instanceof BodyTooLarge) {
      request.refuse(route.tooLarge);
      return;
    }
    const code = (error as { code?: string }).code ?? "unknown";
    request.scope.metrics.upstreamErrors.labels(route.spec.upstream, code).inc();
    request.scope.logger.warn({
      event: "upstream-error",
      id: request.id,
      upstream: route.spec.upstream,
      code,
    });
    request.refuse(
      code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT"
        ? GATEWAY_TIMEOUT
        : BAD_GATEWAY,
    );
  }

  /** Refuses an upstream answer a policy withheld; what it said is logged, redacted. */
  private withhold(decision: Rejection, status: number, buffer: Buffer | undefined): void {
    this.request.scope.logger.warn({
      event: "response-withheld",
      id: this.request.id,
      policy: decision.policy,
      upstreamStatus: status,
      ...(buffer
        ? { body: redact(buffer.toString("utf8", 0, Math.min(buffer.length, 8192))) }
        : {}),
    });
    this.request.refuse(decision);
  }

  /**
   * Undoes the content codings of a buffered body before the hooks read it; the client then
   * gets it decoded. A body that does not decode within the limit is withheld when a policy
   * must read it, and goes on as it came when one only peeked.
   */
  private decodeThenInspect(head: ResponseHead, buffer: Buffer): void {
    const codings = this.codings;
    if (codings === undefined || codings.length === 0) {
      this.inspect(head, buffer);
      return;
    }
    let decoded: Buffer;
    try {
      decoded = decodeCodings(buffer, codings, Math.max(this.limit, this.peek));
    } catch {
      if (this.limit > 0) this.request.refuse(UNINSPECTABLE);
      else this.deliver(head, buffer);
      return;
    }
    delete head.headers["content-encoding"];
    this.inspect(head, decoded);
  }

  /** Runs the response-body hooks over a whole (bounded) upstream body, then answers. */
  private inspect(head: ResponseHead, buffer: Buffer): void {
    let out = buffer;
    const hooks = this.route.onResponseBody;
    for (let i = 0; i < hooks.length; i++) {
      const decision = (hooks[i] as (typeof hooks)[number])(out, head, this.request);
      if (decision === undefined) continue;
      if ("body" in decision) {
        out = decision.body;
        continue;
      }
      this.withhold(decision, this.upstreamStatus, buffer);
      return;
    }
    if (this.route.onResponseBodyAsync.length > 0) void this.inspectAsync(head, out, buffer);
    else this.deliver(head, out);
  }

  /** Asynchronous response-body hooks, in order over the body so far; a rejection wins. */
  private async inspectAsync(head: ResponseHead, body: Buffer, original: Buffer): Promise<void> {
    let out = body;
    let decision: BodyDecision;
    try {
      for (const hook of this.route.onResponseBodyAsync) {
        decision = await hook(out, head, this.request);
        if (decision === undefined) continue;
        if (!("body" in decision)) break;
        out = decision.body;
        decision = undefined;
      }
    } catch (error) {
      this.request.policyFailed(error);
      return;
    }
    if (decision !== undefined && !("body" in decision))
      this.withhold(decision, this.upstreamStatus, original);
    else this.deliver(head, out);
  }

  private deliver(head: ResponseHead, out: Buffer): void {
    head.headers["content-length"] = String(out.length);
    this.res.writeHead(head.status, head.headers);
    this.res.end(out);
    this.request.finish(undefined, this.upstreamStatus);
  }
}
