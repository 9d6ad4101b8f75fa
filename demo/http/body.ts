import type { IncomingMessage } from "node:http";
import type { DemoRequest } from "../types.js";
import { HttpError } from "./problem.js";

/** Request body limit of the hardened demo: 64 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Hard cap even with `unbounded-input`, so that the demo itself survives the probe: 10 MiB. */
export const BODY_HARD_CAP_BYTES = 10 * 1024 * 1024;

/** Deepest JSON nesting the hardened demo parses (EXT-06); `unbounded-input` lifts it. */
export const MAX_JSON_DEPTH = 32;

/** What PATCH routes take: a JSON merge patch (RFC 7396), or plain JSON meaning the same. */
export const PATCH_BODY_TYPES: readonly string[] = [
  "application/json",
  "application/merge-patch+json",
];

/** A body read within its limit, or the verdict that it was too large. */
export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  | {
      readonly ok: false;
      /** True when the rest was not read: the connection must close after the 413. */
      readonly unread: boolean;
    };

/**
 * Reads a request body. Past `limit` the rest is read and dropped (so the client sees the 413
 * instead of a reset), except past the hard cap or a declared Content-Length over it.
 *
 * @example
 * ```ts
 * const result = await readBody(req, BODY_LIMIT_BYTES);
 * if (!result.ok) return problem(413, "the body exceeds 64 KiB");
 * ```
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > BODY_HARD_CAP_BYTES) return Promise.resolve({ ok: false, unread: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > BODY_HARD_CAP_BYTES) {
        req.off("data", onData);
        req.pause();
        resolve({ ok: false, unread: true });
      }
    };
    req.on("data", onData);
    req.on("end", () =>
      resolve(
        size > limit ? { ok: false, unread: false } : { ok: true, body: Buffer.concat(chunks) },
      ),
    );
    req.on("error", reject);
  });
}

/**
 * The JSON value of a request body, or undefined for an empty body. The pipeline has already
 * refused malformed JSON for routes that accept JSON, so handlers rarely see the 400 thrown here.
 *
 * @example
 * ```ts
 * const input = jsonBody(request); // unknown
 * ```
 */
export function jsonBody(request: DemoRequest): unknown {
  if (request.body.length === 0) return undefined;
  try {
    return JSON.parse(request.body.toString("utf8"));
  } catch {
    throw new HttpError(400, "The request body is not valid JSON.");
  }
}

/**
 * The JSON object of a request body; anything else (an array, a scalar, no body) is a 400.
 *
 * @example
 * ```ts
 * const { item, quantity } = jsonObject(request);
 * ```
 */
export function jsonObject(request: DemoRequest): Record<string, unknown> {
  const value = jsonBody(request);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "The body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}
