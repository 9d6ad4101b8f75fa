import type { IncomingMessage } from "node:http";

/** A streamed (chunked) request body passed the route's limit on its way to the upstream. */
export class BodyTooLarge extends Error {}

/**
 * Streams a request body, failing with {@link BodyTooLarge} once it passes `limit` bytes
 * (chunked bodies, EXT-06).
 *
 * @example
 * ```ts
 * const body = Readable.from(limited(req, 1024 * 1024), { objectMode: false });
 * ```
 */
export async function* limited(
  stream: AsyncIterable<Buffer>,
  limit: number,
): AsyncIterable<Buffer> {
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limit) throw new BodyTooLarge();
    yield chunk;
  }
}

/** What a whole-body read reports to its reader: one call, once. */
export interface BodyReader {
  /** The whole body, or undefined when it passed the limit (the rest is drained). */
  bodyRead(body: Buffer | undefined): void;
  /** The client went away or the stream failed before the end. */
  bodyFailed(): void;
}

const READER = Symbol("rampart.bodyReader");

interface Reading {
  [READER]?: {
    reader: BodyReader;
    limit: number;
    chunks: Buffer[];
    total: number;
    done: boolean;
  };
}

/**
 * Reads a whole request body with `data` / `end` listeners (no async iterator: no promise per
 * chunk, no end-of-stream machinery), telling `reader` once. A body that passes `limit` bytes
 * is reported as undefined at once, and the rest is drained, not parsed: the client gets its
 * answer, not a reset. The listeners are module functions; the state rides on the request.
 *
 * @example
 * ```ts
 * readBody(req, 1024 * 1024, { bodyRead: (b) => forward(b), bodyFailed: () => res.destroy() });
 * ```
 */
export function readBody(req: IncomingMessage, limit: number, reader: BodyReader): void {
  (req as Reading)[READER] = { reader, limit, chunks: [], total: 0, done: false };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onFailure);
  req.on("close", onFailure);
}

function onData(this: IncomingMessage, chunk: Buffer): void {
  const state = (this as Reading)[READER];
  if (!state || state.done) return;
  state.total += chunk.length;
  if (state.total > state.limit) {
    state.done = true;
    state.chunks.length = 0;
    state.reader.bodyRead(undefined);
    return;
  }
  state.chunks.push(chunk);
}

function onEnd(this: IncomingMessage): void {
  const state = (this as Reading)[READER];
  if (!state || state.done) return;
  state.done = true;
  const { chunks, total } = state;
  state.chunks = [];
  state.reader.bodyRead(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
}

// `close` after `end` finds the read done; before it, the client left mid-body.
function onFailure(this: IncomingMessage): void {
  const state = (this as Reading)[READER];
  if (!state || state.done) return;
  state.done = true;
  state.chunks.length = 0;
  state.reader.bodyFailed();
}
