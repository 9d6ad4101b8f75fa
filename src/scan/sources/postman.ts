import { RampartError } from "../../core/errors.js";
import type { ScanOperation } from "../types.js";
import { type SeenOperation, toOperation } from "./operation.js";

/** Requests read from one collection at most. */
export const MAX_POSTMAN_REQUESTS = 2000;

interface PostmanUrl {
  readonly raw?: string;
  readonly path?: readonly (string | { readonly value?: string })[] | string;
  readonly query?: readonly {
    readonly key?: string;
    readonly value?: string;
    readonly disabled?: boolean;
  }[];
  readonly variable?: readonly { readonly key?: string; readonly value?: string }[];
}

interface PostmanRequest {
  readonly method?: string;
  readonly url?: PostmanUrl | string;
  readonly header?: readonly {
    readonly key?: string;
    readonly value?: string;
    readonly disabled?: boolean;
  }[];
  readonly body?: {
    readonly mode?: string;
    readonly raw?: string;
    readonly urlencoded?: readonly {
      readonly key?: string;
      readonly value?: string;
      readonly disabled?: boolean;
    }[];
    readonly formdata?: readonly {
      readonly key?: string;
      readonly value?: string;
      readonly type?: string;
    }[];
  };
}

interface PostmanItem {
  readonly item?: readonly PostmanItem[];
  readonly request?: PostmanRequest | string;
}

/**
 * The operations of a Postman collection (v2.0 / v2.1): every request of every folder, its path
 * against the scan's target (the collection's own host, usually a `{{variable}}`, is dropped),
 * `{{variables}}` and `:params` in the path as parameters, query, headers (credentials left to
 * the scan) and JSON, urlencoded or multipart text bodies. Variables elsewhere get a neutral
 * example. Throws ERR_USAGE for a file that is not a collection.
 *
 * @example
 * ```ts
 * postmanOperations(readFileSync("api.postman_collection.json", "utf8"), "http://127.0.0.1:8080")[0].path;
 * // "/vapi/api1/user/{api1_id}"
 * ```
 */
export function postmanOperations(text: string, server: string): ScanOperation[] {
  let collection: { item?: unknown; info?: { schema?: unknown } };
  try {
    collection = JSON.parse(text) as typeof collection;
  } catch {
    throw new RampartError("ERR_USAGE", "--postman: not JSON (expected a Postman collection v2.x)");
  }
  if (!Array.isArray(collection.item))
    throw new RampartError(
      "ERR_USAGE",
      "--postman: no `item` list (expected a Postman collection v2.x)",
    );
  const out: SeenOperation[] = [];
  const walk = (items: readonly PostmanItem[]) => {
    for (const item of items) {
      if (out.length >= MAX_POSTMAN_REQUESTS) return;
      if (Array.isArray(item.item)) walk(item.item);
      else if (item.request && typeof item.request === "object") {
        const seen = fromRequest(item.request, server);
        if (seen) out.push(seen);
      }
    }
  };
  walk(collection.item as PostmanItem[]);
  return out.map(toOperation);
}

function fromRequest(request: PostmanRequest, server: string): SeenOperation | undefined {
  const url = typeof request.url === "string" ? { raw: request.url } : (request.url ?? {});
  const segments = pathSegments(url);
  if (segments === undefined) return undefined;
  const pathValues: Record<string, string> = {};
  const path = `/${segments
    .map((segment) => {
      const variable = /^\{\{([^}]+)\}\}$/.exec(segment)?.[1] ?? /^:(\w+)$/.exec(segment)?.[1];
      if (variable === undefined) return segment;
      const name = variable.replace(/[^\w-]/g, "_");
      const given = url.variable?.find((v) => v.key === variable)?.value;
      pathValues[name] = given && !/\{\{/.test(given) ? given : "1";
      return `{${name}}`;
    })
    .join("/")}`;
  const query: Record<string, string> = {};
  for (const q of url.query ?? []) if (q.key && !q.disabled) query[q.key] = neutral(q.value ?? "");
  const headers: Record<string, string> = {};
  for (const h of request.header ?? [])
    if (h.key && !h.disabled) headers[h.key] = neutral(h.value ?? "");
  const body = request.body;
  let json: unknown;
  let form: Record<string, string> | undefined;
  if (body?.mode === "raw" && body.raw) json = jsonOf(body.raw);
  if (body?.mode === "urlencoded" || body?.mode === "formdata") {
    form = {};
    for (const field of body.urlencoded ?? body.formdata ?? [])
      if (field.key && (!("type" in field) || field.type !== "file"))
        form[field.key] = neutral(field.value ?? "");
  }
  return {
    method: (request.method ?? "GET").toUpperCase(),
    path,
    server,
    pathValues,
    query,
    headers,
    ...(json !== undefined ? { json } : {}),
    ...(form ? { form } : {}),
    source: "postman",
  };
}

/** The path segments of a Postman URL, its host (a `{{host}}`, a name) left out. */
function pathSegments(url: PostmanUrl): string[] | undefined {
  if (Array.isArray(url.path))
    return url.path.map((s) => (typeof s === "string" ? s : (s.value ?? ""))).filter(Boolean);
  if (typeof url.path === "string") return url.path.split("/").filter(Boolean);
  if (!url.raw) return undefined;
  const raw = url.raw.replace(/^[a-z]+:\/\//i, "").split(/[?#]/)[0] ?? "";
  return raw.split("/").slice(1).filter(Boolean);
}

/** A value with `{{variables}}` replaced by a neutral example. */
function neutral(value: string): string {
  return value.replace(/\{\{[^}]+\}\}/g, "rampart");
}

/** A raw JSON body with `{{variables}}` made valid: quoted ones a word, bare ones a number. */
function jsonOf(raw: string): unknown {
  const text = raw.replace(/"\{\{[^}]+\}\}"/g, '"rampart"').replace(/\{\{[^}]+\}\}/g, "1");
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
