import { randomUUID } from "node:crypto";
import { type ServerResponse, STATUS_CODES } from "node:http";
import type { DemoContext, DemoResponse } from "../types.js";
import { debugErrorBody } from "./debug.js";
import { isJsonMediaType, mediaTypeOf } from "./negotiation.js";
import { problem } from "./problem.js";

/** The headers OUT-01..03 ask for; an API serves no documents to frame or scripts to run. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

/** What `fingerprint-headers` announces: a stack and its exact versions. */
export const FINGERPRINT_HEADERS: Readonly<Record<string, string>> = {
  Server: "Apache/2.4.41 (Ubuntu)",
  "X-Powered-By": "Express 4.17.1",
  "X-AspNet-Version": "4.0.30319",
};

const FINGERPRINT_NAMES = ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"];

/** Two years, subdomains included: the value hstspreload.org asks for (without `preload`). */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/** Error statuses that `errors-as-200` disguises; 401, 405, 406, 415 have flaws of their own. */
const DISGUISED = new Set([400, 403, 404, 409, 422]);

/**
 * The header fields every response gets, whatever produced it: security headers, fingerprints,
 * HSTS (over TLS only: RFC 6797 8.1 has browsers ignore it on plain HTTP) and Cache-Control.
 *
 * @example
 * ```ts
 * policyHeaders(context, true)["Strict-Transport-Security"]; // "max-age=63072000; includeSubDomains"
 * ```
 */
export function policyHeaders(context: DemoContext, secure: boolean): Record<string, string> {
  return {
    ...(context.has("missing-security-headers") ? {} : SECURITY_HEADERS),
    ...(context.has("fingerprint-headers") ? FINGERPRINT_HEADERS : {}),
    ...(secure && !context.has("no-hsts") ? { "Strict-Transport-Security": HSTS_VALUE } : {}),
    // The hardened demo marks every response no-store: nearly all carry user data or tokens,
    // and a shared cache must never keep one (EXT-03).
    ...(context.has("no-cache-control") ? {} : { "Cache-Control": "no-store" }),
  };
}

/** How an error response is to be built. */
export interface ErrorOptions {
  /** The exception behind it: debug mode shows its stack. */
  readonly cause?: unknown;
  /** The matched path pattern, named in the debug stack. */
  readonly pattern?: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * An error response as the demo's flaws shape it: RFC 9457 problem details when hardened (a
 * 500 says nothing but a correlation id), a stack trace with `debug-mode`, a 200 with
 * `{"success":false}` with `errors-as-200`.
 *
 * @example
 * ```ts
 * errorResponse(context, 404, "The requested resource does not exist.");
 * ```
 */
export function errorResponse(
  context: DemoContext,
  status: number,
  detail: string | undefined,
  options: ErrorOptions = {},
): DemoResponse {
  const headers = options.headers ?? {};
  const debug = options.cause !== undefined && context.has("debug-mode");
  if (context.has("errors-as-200") && DISGUISED.has(status)) {
    const stack = debug
      ? { stack: debugErrorBody(options.cause, status, options.pattern).stack }
      : {};
    return disguised(detail ?? STATUS_CODES[status] ?? "error", headers, stack);
  }
  if (debug)
    return { status, headers, body: debugErrorBody(options.cause, status, options.pattern) };
  if (status >= 500) {
    const id = randomUUID();
    const body = { instance: `urn:uuid:${id}`, correlationId: id };
    return problem(status, "The server could not complete the request.", body, headers);
  }
  return problem(status, detail, options.extensions, headers);
}

/**
 * A handler's own response, disguised as a 200 when it is an error and `errors-as-200` is on.
 *
 * @example
 * ```ts
 * asReturned(context, problem(404, "no such order")); // { status: 200, body: { success: false, ... } }
 * ```
 */
export function asReturned(context: DemoContext, response: DemoResponse): DemoResponse {
  if (!context.has("errors-as-200") || !DISGUISED.has(response.status)) return response;
  return disguised(messageOf(response), response.headers ?? {}, {});
}

function disguised(
  error: string,
  headers: Readonly<Record<string, string | readonly string[]>>,
  extra: Record<string, unknown>,
): DemoResponse {
  return { status: 200, headers, body: { success: false, error, ...extra } };
}

function messageOf(response: DemoResponse): string {
  const body = response.body;
  if (body !== null && typeof body === "object" && !Buffer.isBuffer(body)) {
    const fields = body as Record<string, unknown>;
    for (const key of ["detail", "error_description", "error", "message", "title"]) {
      if (typeof fields[key] === "string") return fields[key];
    }
  }
  return STATUS_CODES[response.status] ?? "error";
}

/**
 * Serialises a response onto the wire: policy headers first, then the response's own (so a
 * handler may set Cache-Control), then the content type as `wrong-content-type` has it.
 *
 * @example
 * ```ts
 * send(res, context, { secure: false, extraHeaders: {} }, { status: 200, body: { status: "ok" } });
 * ```
 */
export function send(
  res: ServerResponse,
  context: DemoContext,
  exchange: { readonly secure: boolean; readonly extraHeaders: Readonly<Record<string, string>> },
  response: DemoResponse,
): void {
  const bodiless = response.status === 204 || response.status === 304 || response.status < 200;
  const body = bodiless ? Buffer.alloc(0) : bytesOf(response.body);
  const headers: Record<string, string | readonly string[]> = {
    ...policyHeaders(context, exchange.secure),
    ...exchange.extraHeaders,
  };
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (!bodiless && (response.body !== undefined || response.contentType !== undefined)) {
    res.setHeader("Content-Type", contentTypeOf(context, response));
  }
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    const vary = name.toLowerCase() === "vary" ? res.getHeader("Vary") : undefined;
    res.setHeader(name, vary ? `${String(vary)}, ${String(value)}` : value);
  }
  if (!context.has("fingerprint-headers"))
    for (const name of FINGERPRINT_NAMES) res.removeHeader(name);
  if (!bodiless) res.setHeader("Content-Length", body.length);
  res.statusCode = response.status;
  res.end(body);
}

function contentTypeOf(context: DemoContext, response: DemoResponse): string {
  const declared = response.contentType ?? "application/json";
  const type = mediaTypeOf(declared) ?? "application/json";
  if (isJsonMediaType(type) && context.has("wrong-content-type")) return "text/html; charset=utf-8";
  return type === "application/json" ? "application/json; charset=utf-8" : declared;
}

function bytesOf(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  return Buffer.from(JSON.stringify(body), "utf8");
}

/**
 * The raw response to a request node's parser refused: 501 for a method it does not know
 * (RFC 9110 15.6.2, e.g. TRACK), 431 for oversized headers, 400 otherwise. It gets the same
 * policy headers as every other response.
 *
 * @example
 * ```ts
 * server.on("clientError", (error, socket) => socket.end(clientErrorResponse(context, error, false)));
 * ```
 */
export function clientErrorResponse(
  context: DemoContext,
  error: NodeJS.ErrnoException,
  secure: boolean,
): string {
  const status =
    error.code === "HPE_INVALID_METHOD" ? 501 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  const response = problem(status, "The request could not be parsed or is not supported.");
  const body = bytesOf(response.body);
  const headers = {
    ...policyHeaders(context, secure),
    "Content-Type": contentTypeOf(context, response),
    "Content-Length": String(body.length),
    Connection: "close",
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join("\r\n")}\r\n\r\n${body.toString("utf8")}`;
}
