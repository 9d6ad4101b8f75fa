import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { validate } from "@readme/openapi-parser";
import { LineCounter, parseDocument } from "yaml";
import { RampartError } from "../core/errors.js";
import { pointerOf, segmentsOf } from "./pointer.js";
import { endOfLine, jsonPositions, type PositionIndex, yamlPositions } from "./positions.js";
import type { LoadedDocument, OpenApiVersion, SourceLocation } from "./types.js";

/** Options of {@link loadOpenApiFile} and {@link loadOpenApiText}. */
export interface LoadOptions {
  /**
   * Fetch `$ref`s to http(s) URLs. Off by default: a design document must not make the tool call
   * the internet (nor an intranet: SSRF).
   */
  readonly allowRemoteRefs?: boolean;
  /** Directory that relative file names are resolved against; the process's by default. */
  readonly cwd?: string;
  /** Validate against the OpenAPI specification (default true). */
  readonly validate?: boolean;
  /** Largest file accepted, in bytes; secure default 64 MiB (GitHub's REST description: 13 MB). */
  readonly maxBytes?: number;
  /** YAML alias expansions allowed per file (a "billion laughs" guard); default 10 000. */
  readonly maxAliasCount?: number;
  /**
   * Report broken or refused `$ref`s in `problems` instead of throwing (default false). A scan
   * needs the operations it can use, not a conformant document; `audit` stays strict.
   */
  readonly tolerant?: boolean;
}

const DEFAULTS = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxAliasCount: 10_000,
  /** Files one document may pull in through `$ref`s. */
  maxFiles: 1000,
  /** `$ref` hops followed for one pointer before it is declared a cycle. */
  maxHops: 256,
  remoteTimeoutMs: 10_000,
  /** Resolved pointers remembered per document. */
  maxCachedPointers: 100_000,
  /** Problems a tolerant load keeps (the first ones); the rest are dropped. */
  maxProblems: 50,
});

interface SourceFile {
  /** Absolute path or URL: the identity of the file. */
  readonly key: string;
  /** The name shown to users, in the same style as the root file name given. */
  readonly name: string;
  readonly value: unknown;
  readonly positions: PositionIndex;
}

interface Cursor {
  readonly file: SourceFile;
  readonly segments: readonly string[];
  readonly value: unknown;
}

/**
 * Loads an OpenAPI 2.0, 3.0 or 3.1 document (YAML or JSON) from a file, with the files its
 * `$ref`s point to, and validates it. Errors are RampartErrors with one clear line:
 * ERR_OPENAPI_READ, ERR_OPENAPI_INVALID (with file:line:column) or ERR_OPENAPI_REMOTE_REF.
 *
 * @example
 * ```ts
 * const doc = await loadOpenApiFile("openapi.yaml");
 * doc.version;                        // "3.1"
 * doc.locate("/paths/~1users/get");   // { file: "openapi.yaml", pointer: "/paths/~1users/get", line: 12, column: 5 }
 * ```
 */
export async function loadOpenApiFile(
  path: string,
  options: LoadOptions = {},
): Promise<LoadedDocument> {
  const key = keyOf(path, options.cwd);
  const text = await readSource(key, path, options);
  return loadFrom(text, path, key, options);
}

/**
 * Loads an OpenAPI document from text; `source` names it in locations and is the base of its
 * relative `$ref`s.
 *
 * @example
 * ```ts
 * const doc = await loadOpenApiText('{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}', "inline.json");
 * ```
 */
export async function loadOpenApiText(
  text: string,
  source: string,
  options: LoadOptions = {},
): Promise<LoadedDocument> {
  if (typeof text !== "string" || typeof source !== "string")
    throw new TypeError("loadOpenApiText(text, source): both must be strings");
  return loadFrom(text, source, keyOf(source, options.cwd), options);
}

async function loadFrom(
  text: string,
  name: string,
  key: string,
  options: LoadOptions,
): Promise<LoadedDocument> {
  const root = parseSource(text, name, key, options);
  const version = versionOf(root);
  const files = new Map<string, SourceFile>([[key, root]]);
  const problems: RampartError[] = [];
  // Strict loading stops at the first problem; tolerant loading keeps each one and goes on.
  const report = (problem: RampartError): void => {
    if (!options.tolerant) throw problem;
    if (problems.length < DEFAULTS.maxProblems) problems.push(problem);
  };
  const { refs, refused } = await loadReferencedFiles(root, files, options, report);
  const { document, reachable } = makeDocument(version, root, files, problems);
  for (const { file, ref } of refs)
    if (!refused(file, ref.value) && !reachable(file, ref.value))
      report(
        invalidAt(file, ref.segments, `$ref "${ref.value}" points to nothing (or to a cycle)`),
      );
  if (options.validate !== false) await validateDocument(root, document);
  return document;
}

function keyOf(path: string, cwd: string | undefined): string {
  if (/^https?:\/\//i.test(path)) return path;
  if (/^file:/i.test(path)) return fileURLToPath(path);
  return resolvePath(cwd ?? process.cwd(), path);
}

async function readSource(key: string, name: string, options: LoadOptions): Promise<string> {
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  if (isRemote(key)) return fetchRemote(key, name, maxBytes);
  try {
    const info = await stat(key);
    if (!info.isFile()) throw new RampartError("ERR_OPENAPI_READ", "not a file", { source: name });
    if (info.size > maxBytes)
      throw new RampartError("ERR_OPENAPI_READ", `larger than ${maxBytes} bytes`, { source: name });
    return await readFile(key, "utf8");
  } catch (error) {
    if (error instanceof RampartError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
    throw new RampartError("ERR_OPENAPI_READ", `cannot read: ${why ?? String(error)}`, {
      source: name,
      cause: error,
    });
  }
}

async function fetchRemote(url: string, name: string, maxBytes: number): Promise<string> {
  try {
    const response = await fetch(url, {
      redirect: "error",
      signal: AbortSignal.timeout(DEFAULTS.remoteTimeoutMs),
    });
    if (!response.ok)
      throw new RampartError("ERR_OPENAPI_READ", `HTTP ${response.status}`, { source: name });
    const text = await response.text();
    if (Buffer.byteLength(text) > maxBytes)
      throw new RampartError("ERR_OPENAPI_READ", `larger than ${maxBytes} bytes`, { source: name });
    return text;
  } catch (error) {
    if (error instanceof RampartError) throw error;
    throw new RampartError("ERR_OPENAPI_READ", `cannot fetch: ${fetchFailure(error)}`, {
      source: name,
      cause: error,
    });
  }
}

/**
 * Why a fetch failed, in words: undici says only "fetch failed" and keeps the reason (refused,
 * unknown host, TLS, redirect) in `cause`.
 */
function fetchFailure(error: unknown): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === "TimeoutError") return `no answer within ${DEFAULTS.remoteTimeoutMs / 1000} s`;
  const code = e.cause?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    UND_ERR_SOCKET: "connection closed",
    CERT_HAS_EXPIRED: "certificate expired",
    DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate not trusted",
    ERR_TLS_CERT_ALTNAME_INVALID: "certificate does not match the host",
  };
  if (code !== undefined) return `${known[code] ?? e.cause?.message ?? "failed"} (${code})`;
  if (e.cause?.message)
    return /redirect/i.test(e.cause.message)
      ? "redirect refused (the document must be at the URL given)"
      : e.cause.message;
  return e.message ?? String(error);
}

function parseSource(text: string, name: string, key: string, options: LoadOptions): SourceFile {
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  if (text.length > maxBytes)
    throw new RampartError("ERR_OPENAPI_READ", `larger than ${maxBytes} bytes`, { source: name });
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (/^\s*[{[]/.test(body)) {
    // JSON: the native parser and a linear position scan are far faster than a YAML AST.
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      value = undefined; // the YAML parser below reports where the syntax breaks
    }
    if (value !== undefined) {
      try {
        return { key, name, value, positions: jsonPositions(body) };
      } catch (error) {
        throw new RampartError("ERR_OPENAPI_INVALID", (error as Error).message, { source: name });
      }
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const at = lineCounter.linePos(first.pos[0]);
    const message = first.message.split("\n", 1)[0] ?? first.code;
    throw new RampartError("ERR_OPENAPI_INVALID", `not well-formed YAML or JSON: ${message}`, {
      source: `${name}:${at.line}:${at.col}`,
    });
  }
  const maxAliasCount = options.maxAliasCount ?? DEFAULTS.maxAliasCount;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (error) {
    const bomb = /alias/i.test((error as Error).message);
    throw new RampartError(
      "ERR_OPENAPI_INVALID",
      bomb
        ? `YAML aliases expand beyond the limit of ${maxAliasCount} (possible YAML bomb)`
        : (error as Error).message,
      { source: name },
    );
  }
  return { key, name, value, positions: yamlPositions(doc, lineCounter) };
}

function versionOf(root: SourceFile): OpenApiVersion {
  const value = root.value as Record<string, unknown> | null;
  if (isObject(value)) {
    if (value.swagger === "2.0") return "2.0";
    if (typeof value.openapi === "string") {
      if (/^3\.0\.\d+(-.+)?$/.test(value.openapi)) return "3.0";
      if (/^3\.1\.\d+(-.+)?$/.test(value.openapi)) return "3.1";
      throw invalidAt(root, ["openapi"], `unsupported OpenAPI version "${value.openapi}"`);
    }
  }
  throw new RampartError(
    "ERR_OPENAPI_INVALID",
    'not an OpenAPI document: no `openapi: 3.0.x / 3.1.x` nor `swagger: "2.0"` at the top',
    { source: root.name },
  );
}

function invalidAt(file: SourceFile, segments: readonly string[], message: string): RampartError {
  const offset = file.positions.offsetOf(segments);
  const at = offset === undefined ? undefined : file.positions.lineColumn(offset);
  const where = at ? `${file.name}:${at.line}:${at.column}` : file.name;
  return new RampartError("ERR_OPENAPI_INVALID", `${pointerOf(segments) || "/"}: ${message}`, {
    source: where,
  });
}

/** Loads every file reachable through `$ref`s, breadth first, each once. */
async function loadReferencedFiles(
  root: SourceFile,
  files: Map<string, SourceFile>,
  options: LoadOptions,
  report: (problem: RampartError) => void,
): Promise<{
  refs: { file: SourceFile; ref: { value: string; segments: string[] } }[];
  /** The `$ref` points into a file that was already reported as refused or unreadable. */
  refused: (file: SourceFile, ref: string) => boolean;
}> {
  const refused = new Set<string>();
  const all: { file: SourceFile; ref: { value: string; segments: string[] } }[] = [];
  const queue = [root];
  for (let file = queue.shift(); file; file = queue.shift()) {
    for (const ref of collectRefs(file.value)) {
      all.push({ file, ref });
      const target = refTarget(file, ref.value);
      if (target.kind === "unsupported") {
        report(invalidAt(file, ref.segments, `unsupported $ref "${ref.value}"`));
        continue;
      }
      if (target.kind === "local" || files.has(target.key) || refused.has(target.key)) continue;
      if (isRemote(target.key) && !options.allowRemoteRefs) {
        // A file refused once is not asked for again (nor reported again) by its other `$ref`s.
        refused.add(target.key);
        const offset = file.positions.offsetOf(ref.segments);
        const at = offset === undefined ? undefined : file.positions.lineColumn(offset);
        report(
          new RampartError(
            "ERR_OPENAPI_REMOTE_REF",
            `$ref to a remote document "${ref.value}" refused (pass --allow-remote-refs to fetch it)`,
            { source: at ? `${file.name}:${at.line}:${at.column}` : file.name },
          ),
        );
        continue;
      }
      if (files.size >= DEFAULTS.maxFiles)
        throw invalidAt(file, ref.segments, `more than ${DEFAULTS.maxFiles} files referenced`);
      const name = nameOf(root, target.key);
      let text: string;
      try {
        text = await readSource(target.key, name, options);
      } catch (error) {
        const offset = file.positions.offsetOf(ref.segments);
        const at = offset === undefined ? undefined : file.positions.lineColumn(offset);
        refused.add(target.key);
        report(
          new RampartError(
            "ERR_OPENAPI_READ",
            `$ref "${ref.value}": ${(error as RampartError).message}`,
            { source: at ? `${file.name}:${at.line}:${at.column}` : file.name, cause: error },
          ),
        );
        continue;
      }
      let loaded: SourceFile;
      try {
        loaded = parseSource(text, name, target.key, options);
      } catch (error) {
        refused.add(target.key);
        report(error as RampartError);
        continue;
      }
      files.set(target.key, loaded);
      queue.push(loaded);
    }
  }
  return {
    refs: all,
    refused: (file, ref) => {
      const target = refTarget(file, ref);
      return target.kind === "unsupported" || (target.kind === "file" && refused.has(target.key));
    },
  };
}

/** The name of a referenced file, in the same style (relative or absolute) as the root's. */
function nameOf(root: SourceFile, key: string): string {
  if (isRemote(key) || isRemote(root.key)) return key;
  return join(dirname(root.name), relative(dirname(root.key), key));
}

/** Every `$ref` string in a value with the segments of the object holding it. */
function collectRefs(value: unknown): { value: string; segments: string[] }[] {
  const found: { value: string; segments: string[] }[] = [];
  const path: string[] = [];
  const seen = new WeakSet<object>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(String(i));
        visit(node[i]);
        path.pop();
      }
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") found.push({ value: v, segments: [...path] });
      // Examples are data, not schema: a `$ref` key inside them is not a reference.
      else if (k !== "example" && k !== "examples" && k !== "enum" && k !== "const") {
        path.push(k);
        visit(v);
        path.pop();
      }
    }
  };
  visit(value);
  return found;
}

type RefTarget =
  | { kind: "local"; segments: string[] }
  | { kind: "file"; key: string; segments: string[] }
  | { kind: "unsupported" };

function refTarget(from: SourceFile, ref: string): RefTarget {
  const hash = ref.indexOf("#");
  const location = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? "" : ref.slice(hash + 1);
  let segments: string[];
  try {
    segments = segmentsOf(decodeURIComponent(fragment));
  } catch {
    return { kind: "unsupported" }; // e.g. a 3.1 `$anchor` name instead of a pointer
  }
  if (location === "") return { kind: "local", segments };
  if (/^https?:/i.test(location) || isRemote(from.key)) {
    try {
      const base = isRemote(from.key) ? from.key : undefined;
      return { kind: "file", key: new URL(location, base).href, segments };
    } catch {
      return { kind: "unsupported" };
    }
  }
  if (/^file:/i.test(location)) return { kind: "file", key: fileURLToPath(location), segments };
  if (/^[a-z][a-z0-9+.-]+:/i.test(location)) return { kind: "unsupported" };
  return {
    kind: "file",
    key: resolvePath(dirname(from.key), decodeURIComponent(location)),
    segments,
  };
}

function makeDocument(
  version: OpenApiVersion,
  root: SourceFile,
  files: ReadonlyMap<string, SourceFile>,
  problems: readonly RampartError[],
): { document: LoadedDocument; reachable: (file: SourceFile, ref: string) => boolean } {
  // Each walk owns its cursor's segment array: stepping appends in place (no copy per step).
  const step = (cursor: Cursor, segment: string): Cursor | undefined => {
    const value = cursor.value;
    let child: unknown;
    if (Array.isArray(value)) child = /^\d+$/.test(segment) ? value[Number(segment)] : undefined;
    else if (isObject(value) && Object.hasOwn(value, segment)) child = value[segment];
    if (child === undefined) return undefined;
    (cursor.segments as string[]).push(segment);
    return { file: cursor.file, segments: cursor.segments, value: child };
  };
  const follow = (start: Cursor, budget: { hops: number }): Cursor | undefined => {
    let cursor = start;
    while (isObject(cursor.value) && typeof cursor.value.$ref === "string") {
      if (--budget.hops < 0) return undefined; // a cycle of $refs: give up, never hang
      const target = refTarget(cursor.file, cursor.value.$ref);
      if (target.kind === "unsupported") return undefined;
      const file = target.kind === "local" ? cursor.file : files.get(target.key);
      if (!file) return undefined;
      const next = walk({ file, segments: [], value: file.value }, target.segments, budget);
      if (!next) return undefined;
      cursor = next;
    }
    return cursor;
  };
  const walk = (
    start: Cursor,
    segments: readonly string[],
    budget: { hops: number },
  ): Cursor | undefined => {
    let cursor: Cursor | undefined = start;
    for (const segment of segments) {
      cursor = follow(cursor, budget);
      if (!cursor) return undefined;
      cursor = step(cursor, segment);
      if (!cursor) return undefined;
    }
    return cursor;
  };
  // Rules resolve and locate the same pointers over and over: remember the walks (bounded).
  const found = new Map<string, Cursor | undefined>();
  const find = (pointer: string): Cursor | undefined => {
    if (found.has(pointer)) return found.get(pointer);
    if (found.size >= DEFAULTS.maxCachedPointers) found.clear();
    const cursor = walkFromRoot(pointer);
    found.set(pointer, cursor);
    return cursor;
  };
  const walkFromRoot = (pointer: string): Cursor | undefined => {
    const budget = { hops: DEFAULTS.maxHops };
    const cursor = walk(
      { file: root, segments: [], value: root.value },
      segmentsOf(pointer),
      budget,
    );
    return cursor && follow(cursor, budget);
  };
  const document: LoadedDocument = Object.freeze({
    version,
    file: root.name,
    raw: root.value as Readonly<Record<string, unknown>>,
    problems,
    resolve: (pointer: string) => find(pointer)?.value,
    locate(pointer: string): SourceLocation | undefined {
      const cursor = find(pointer);
      if (!cursor) return undefined;
      const offset = cursor.file.positions.offsetOf(cursor.segments);
      if (offset === undefined) return undefined;
      const at = cursor.file.positions.lineColumn(offset);
      return {
        file: cursor.file.name,
        pointer: pointerOf(cursor.segments),
        line: at.line,
        column: at.column,
      };
    },
  });
  const reachable = (file: SourceFile, ref: string): boolean =>
    follow({ file, segments: [], value: { $ref: ref } }, { hops: DEFAULTS.maxHops }) !== undefined;
  return { document, reachable };
}

/**
 * Validates against the OpenAPI specification with @readme/openapi-parser on a copy (it
 * dereferences in place) and reports the first problem as one error at its source position.
 */
async function validateDocument(root: SourceFile, document: LoadedDocument): Promise<void> {
  const copy = structuredClone(root.value) as Parameters<typeof validate>[0];
  let result: Awaited<ReturnType<typeof validate>>;
  try {
    result = await validate(copy, { resolve: { external: false } });
  } catch (error) {
    throw new RampartError("ERR_OPENAPI_INVALID", (error as Error).message, {
      source: root.name,
    });
  }
  if (result.valid) return;
  const first = result.errors[0]?.message ?? "invalid document";
  const headline = (first.split("\n", 1)[0] ?? first).replace(/^[A-Z_]+ /, "");
  const more = result.errors.length - 1 + (result.additionalErrors ?? 0);
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : "";
  // The validator prints a code frame of the dereferenced copy serialised with 2 spaces:
  // map its line back to a pointer, then through `$ref`s to the source file.
  const frame = /^> +(\d+) \|/m.exec(first);
  let source = root.name;
  let pointer = "";
  if (frame) {
    const text = JSON.stringify(copy, null, 2);
    const positions = jsonPositions(text);
    const segments = positions.segmentsAt?.(endOfLine(text, Number(frame[1]))) ?? [];
    pointer = pointerOf(segments);
    const at = document.locate(pointer);
    if (at) source = `${at.file}:${at.line}:${at.column}`;
  }
  throw new RampartError(
    "ERR_OPENAPI_INVALID",
    `${pointer ? `${pointer}: ` : ""}${headline}${suffix}`,
    { source },
  );
}

function isRemote(key: string): boolean {
  return /^https?:\/\//i.test(key);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
