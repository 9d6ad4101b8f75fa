import { randomUUID } from "node:crypto";
import { HttpError } from "../http/problem.js";
import type { DemoContext, DemoRequest, Route } from "../types.js";
import { me } from "./users.js";

interface StoredFile {
  readonly id: string;
  readonly ownerId: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly createdAt: string;
}

/**
 * File uploads: `POST /api/files` takes one `multipart/form-data` file part (RFC 7578) and keeps
 * only its metadata (the content goes nowhere: PROC-06 wants it on an object store, not here);
 * `GET /api/files/:id` returns that metadata to its owner.
 *
 * @example
 * ```ts
 * const routes = filesRoutes(context);
 * ```
 */
export function filesRoutes(_context: DemoContext): Route[] {
  const files = new Map<string, StoredFile>();
  const view = (file: StoredFile) => {
    const { ownerId: _ownerId, ...rest } = file;
    return rest;
  };
  return [
    {
      method: "POST",
      path: "/api/files",
      auth: "user",
      accepts: ["multipart/form-data"],
      handler: (request, _ctx, principal) => {
        const part = firstFilePart(request);
        const file: StoredFile = {
          id: randomUUID(),
          ownerId: me(principal).id,
          ...part,
          createdAt: new Date().toISOString(),
        };
        files.set(file.id, file);
        return { status: 201, headers: { Location: `/api/files/${file.id}` }, body: view(file) };
      },
    },
    {
      method: "GET",
      path: "/api/files/:id",
      auth: "user",
      handler: (request, _ctx, principal) => {
        const file = files.get(request.params.id ?? "");
        if (!file || file.ownerId !== me(principal).id) throw new HttpError(404, "No such file.");
        return { status: 200, body: view(file) };
      },
    },
  ];
}

/** The first part of a multipart body that has a filename: its name, type and size. */
function firstFilePart(
  request: DemoRequest,
): Pick<StoredFile, "filename" | "contentType" | "size"> {
  const contentType = request.headers["content-type"] ?? "";
  const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (!delimiter) throw new HttpError(400, "The multipart body has no boundary parameter.");
  const body = request.body;
  const dashBoundary = Buffer.from(`--${delimiter}`);
  let at = body.indexOf(dashBoundary);
  while (at !== -1) {
    const headersStart = at + dashBoundary.length + 2;
    const headersEnd = body.indexOf("\r\n\r\n", headersStart);
    const next = body.indexOf(Buffer.from(`\r\n--${delimiter}`), headersStart);
    if (headersEnd === -1 || next === -1 || headersEnd > next) break;
    const headers = body.subarray(headersStart, headersEnd).toString("utf8");
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (filename) {
      return {
        filename: filename.split(/[\\/]/).pop()?.slice(0, 255) || "upload",
        contentType:
          /^content-type:\s*([^\r\n]+)/im.exec(headers)?.[1]?.trim() ?? "application/octet-stream",
        size: next - (headersEnd + 4),
      };
    }
    at = next + 2;
  }
  throw new HttpError(400, "The multipart body has no file part.");
}
