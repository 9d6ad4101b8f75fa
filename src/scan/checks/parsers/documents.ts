import { randomBytes, randomInt } from "node:crypto";
import { RampartError } from "../../../core/errors.js";
import type { CheckContext, Exchange, ScanOperation } from "../../types.js";

/**
 * XML media types (RFC 7303), `+xml` suffixes included.
 *
 * @example
 * ```ts
 * isXmlType("application/soap+xml; charset=utf-8"); // true
 * ```
 */
export function isXmlType(type: string): boolean {
  const base = baseType(type);
  return base === "application/xml" || base === "text/xml" || /^[a-z]+\/[^;]*\+xml$/.test(base);
}

/**
 * YAML media types (RFC 9512 registers application/yaml; the others are still common).
 *
 * @example
 * ```ts
 * isYamlType("application/x-yaml"); // true
 * ```
 */
export function isYamlType(type: string): boolean {
  return ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"].includes(
    baseType(type),
  );
}

/**
 * Where a document is sent: an operation, the media type of its body, and, for a multipart
 * upload, the part that carries the document as a file.
 */
export interface DocumentTarget {
  readonly op: ScanOperation;
  readonly type: string;
  readonly filePart?: string;
}

/** The operations that take a body of one of these kinds, with the concrete type to send. */
export function operationsAccepting(
  context: CheckContext,
  accepts: (type: string) => boolean,
): DocumentTarget[] {
  const found: DocumentTarget[] = [];
  for (const op of context.target.operations) {
    const types = op.bodyTypes.filter(accepts);
    if (types.length === 0) continue;
    // A wildcard like application/*+xml is no type to send: application/xml stands for it.
    const concrete = types.map(baseType).find((t) => !t.includes("*"));
    found.push({
      op,
      type: concrete ?? (accepts("application/xml") ? "application/xml" : "application/yaml"),
    });
  }
  return found;
}

/**
 * The multipart uploads (a part that takes a file), each with its first file part: an XML
 * document uploaded as a file reaches the same parsers as an XML body.
 */
export function fileUploads(context: CheckContext): DocumentTarget[] {
  return context.target.operations.flatMap((op) => {
    const part = op.fileFields?.[0];
    return part !== undefined && op.bodyTypes.some((t) => baseType(t) === "multipart/form-data")
      ? [{ op, type: "multipart/form-data", filePart: part }]
      : [];
  });
}

/**
 * Sends one document to an operation: as the body, or as the file part of a multipart upload
 * (RFC 7578) with the operation's other fields beside it, typed `text/xml` as browsers type a
 * `.xml` file. Undefined when the connection failed.
 */
export function sendDocument(
  context: CheckContext,
  target: DocumentTarget,
  body: string,
  fileType = "text/xml",
): Promise<Exchange | undefined> {
  if (target.filePart === undefined)
    return context.http.trySend({
      method: target.op.method,
      url: target.op.url,
      headers: { "content-type": target.type },
      body,
    });
  const boundary = `rampart-${randomBytes(12).toString("hex")}`;
  const files = new Set(target.op.fileFields ?? []);
  const text = Object.entries(target.op.exampleForm ?? {}).filter(([name]) => !files.has(name));
  const extension = fileType.includes("yaml") ? "yaml" : "xml";
  const parts = [
    ...text.map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`,
    ),
    `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(target.filePart)}"; filename="rampart.${extension}"\r\nContent-Type: ${fileType}\r\n\r\n${body}\r\n`,
    `--${boundary}--\r\n`,
  ];
  return context.http.trySend({
    method: target.op.method,
    url: target.op.url,
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    body: parts.join(""),
  });
}

/** A field name as a quoted-string of Content-Disposition (RFC 7578 4.2). */
function quoted(name: string): string {
  return name.replace(/[\r\n"]/g, (c) => encodeURIComponent(c));
}

/**
 * A random marker of 8 letters that no hex id, number or English word contains, so that its
 * occurrences in a response can be counted and masked reliably.
 *
 * @example
 * ```ts
 * marker(); // "qhzwtkxm"
 * ```
 */
export function marker(): string {
  const letters = "ghjkmnpqrstvwxyz";
  let text = "";
  for (let i = 0; i < 8; i++) text += letters[randomInt(letters.length)];
  return text;
}

/** Occurrences of `needle` in `text`. */
export function countOf(text: string, needle: string): number {
  return needle === "" ? 0 : text.split(needle).length - 1;
}

/**
 * What is left of a response once the markers (in order: a longer one before its parts), ids,
 * numbers and timestamps are masked: two answers with the same shape come from the same parsed
 * document, or the same page.
 *
 * @example
 * ```ts
 * shapeOf({ ...exchange, status: 201, body: '{"id":17,"item":"qhzwqhzw"}' }, "qhzw"); // '201 {"id":#,"item":"~"}'
 * ```
 */
export function shapeOf(exchange: Exchange, ...marks: readonly string[]): string {
  let body = exchange.body;
  for (const mark of marks) body = body.split(mark).join("~");
  body = body.replace(/~+/g, "~").replace(/[0-9a-f]{6,}|\d+/gi, "#");
  return `${exchange.status} ${body}`;
}

/**
 * The media type of an answer, without its parameters, lower-case ("" without one).
 *
 * @example
 * ```ts
 * mediaTypeOf(exchange); // "application/json" for "Application/JSON; charset=utf-8"
 * ```
 */
export function mediaTypeOf(exchange: Exchange): string {
  return baseType(exchange.headers["content-type"] ?? "");
}

/** Requests refused as too large or not allowed: the parser (or a gate before it) said no. */
export function isRefusal(status: number): boolean {
  return status === 400 || status === 413 || status === 415 || status === 422;
}

/** Statuses after which nothing is learnt about the parser. */
export function isUninformative(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 405 || status === 429;
}

function baseType(type: string): string {
  return (type.split(";")[0] ?? "").trim().toLowerCase();
}

/** The scan's request budget ran out (the HTTP layer threw ERR_SCAN_BUDGET). */
export function isBudgetSpent(error: unknown): boolean {
  return error instanceof RampartError && error.code === "ERR_SCAN_BUDGET";
}

/** The reason given with the findings made before the budget ran out. */
export function budgetReason(done: number, total: number, what: string): string {
  return `request budget exhausted (--max-requests) after ${done} of ${total} ${what}`;
}
