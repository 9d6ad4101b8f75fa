import { normalisePath } from "../operation-match.js";
import type { OperationSource, ScanOperation, ScanParameter } from "../types.js";

/** An operation learnt outside an API description: a Postman request, a HAR entry, a crawled link. */
export interface SeenOperation {
  readonly method: string;
  /** The path template, `{name}` for a parameter (`/api/users/{id}`). */
  readonly path: string;
  /** Origin and base path the template hangs from, without a trailing slash. */
  readonly server: string;
  /** Path parameter values (default "1"). */
  readonly pathValues?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** Headers the request carries besides credentials (names as given). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cookies?: Readonly<Record<string, string>>;
  /** A JSON body. */
  readonly json?: unknown;
  /** A form body (urlencoded or multipart text fields). */
  readonly form?: Readonly<Record<string, string>>;
  /** The form's file inputs: the body is then multipart, with these as file parts. */
  readonly files?: readonly string[];
  readonly source: OperationSource;
}

/** Headers that are credentials or transport: never parameters of an operation. */
const NOT_PARAMETERS =
  /^(authorization|authorization-token|cookie|content-type|content-length|accept|host|user-agent|x-api-key|api-key|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token|connection)$/i;

/**
 * A {@link ScanOperation} from what a request looked like: its URL, parameters and body become
 * the example every check starts from.
 *
 * @example
 * ```ts
 * toOperation({ method: "GET", path: "/api/users/{id}", server: "http://127.0.0.1:8080", pathValues: { id: "7" }, source: "postman" }).url;
 * // "http://127.0.0.1:8080/api/users/7"
 * ```
 */
export function toOperation(seen: SeenOperation): ScanOperation {
  const parameters: ScanParameter[] = [];
  let path = seen.path;
  for (const m of seen.path.matchAll(/\{([^}]+)\}/g)) {
    const name = m[1] ?? "";
    const value = seen.pathValues?.[name] ?? "1";
    parameters.push({ name, in: "path", required: true, value });
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(seen.query ?? {})) {
    parameters.push({ name, in: "query", required: true, value });
    query.set(name, value);
  }
  for (const [name, value] of Object.entries(seen.headers ?? {}))
    if (!NOT_PARAMETERS.test(name)) parameters.push({ name, in: "header", required: false, value });
  for (const [name, value] of Object.entries(seen.cookies ?? {}))
    parameters.push({ name, in: "cookie", required: false, value });
  const search = query.toString();
  const bodyTypes =
    seen.json !== undefined
      ? ["application/json"]
      : seen.files?.length
        ? ["multipart/form-data"]
        : seen.form !== undefined
          ? ["application/x-www-form-urlencoded"]
          : [];
  return {
    method: seen.method.toUpperCase(),
    path: seen.path,
    url: `${seen.server}${path}${search ? `?${search}` : ""}`,
    server: seen.server,
    bodyTypes,
    ...(seen.json !== undefined ? { exampleBody: JSON.stringify(seen.json) } : {}),
    ...(seen.form !== undefined ? { exampleForm: seen.form } : {}),
    ...(seen.files?.length ? { fileFields: seen.files } : {}),
    secured: false,
    queryParameters: Object.keys(seen.query ?? {}),
    parameters,
    source: seen.source,
  };
}

/**
 * Merges operations from several sources: the API description first, then the others, one
 * operation per method and path template (the first source that names it wins).
 */
export function mergeOperations(...lists: readonly (readonly ScanOperation[])[]): ScanOperation[] {
  const seen = new Set<string>();
  const out: ScanOperation[] = [];
  for (const list of lists)
    for (const op of list) {
      const key = `${op.method} ${op.path.replace(/\{[^}]*\}/g, "{}")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(op);
    }
  return out;
}

/**
 * A concrete path as a template: identifier-like segments (numbers, UUIDs, long hex) and
 * `{name}` / `:name` placeholders become parameters, `{id}`, `{id2}`..., the concrete value kept
 * as the example.
 *
 * @example
 * ```ts
 * templateOf("/api/orders/1042/items/7"); // { path: "/api/orders/{id}/items/{id2}", pathValues: { id: "1042", id2: "7" } }
 * ```
 */
export function templateOf(pathname: string): { path: string; pathValues: Record<string, string> } {
  const raw = pathname.split("/").map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  const normal = normalisePath(raw.join("/")).split("/");
  const pathValues: Record<string, string> = {};
  let n = 0;
  const path = normal
    .map((segment, i) => {
      const named = /^\{(\w+)\}$|^:(\w+)$/.exec(raw[i] ?? "");
      if (named) {
        const name = named[1] ?? named[2] ?? "id";
        pathValues[name] = "1";
        return `{${name}}`;
      }
      if (segment !== "{id}") return segment;
      const name = n === 0 ? "id" : `id${n + 1}`;
      n++;
      pathValues[name] = raw[i] ?? "1";
      return `{${name}}`;
    })
    .join("/");
  return { path, pathValues };
}
