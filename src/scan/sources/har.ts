import { RampartError } from "../../core/errors.js";
import type { ScanOperation } from "../types.js";
import { type SeenOperation, templateOf, toOperation } from "./operation.js";

/** Entries read from one HAR file at most. */
export const MAX_HAR_ENTRIES = 5000;

interface HarEntry {
  readonly request?: {
    readonly method?: string;
    readonly url?: string;
    readonly headers?: readonly { readonly name?: string; readonly value?: string }[];
    readonly cookies?: readonly { readonly name?: string; readonly value?: string }[];
    readonly postData?: {
      readonly mimeType?: string;
      readonly text?: string;
      readonly params?: readonly { readonly name?: string; readonly value?: string }[];
    };
  };
}

/**
 * The operations of a HAR 1.2 file (a browser's or a proxy's recording): the entries to the
 * scan's own origins only, their identifier-like path segments made parameters (the recorded
 * value kept as the example), their query, headers, cookies and JSON or form bodies. One
 * operation per method and path template. Throws ERR_USAGE for a file that is not a HAR.
 *
 * @example
 * ```ts
 * harOperations(readFileSync("session.har", "utf8"), (url) => http.inScope(url));
 * ```
 */
export function harOperations(text: string, inScope: (url: URL) => boolean): ScanOperation[] {
  let har: { log?: { entries?: unknown } };
  try {
    har = JSON.parse(text) as typeof har;
  } catch {
    throw new RampartError("ERR_USAGE", "--har: not JSON (expected a HAR 1.2 file)");
  }
  const entries = har.log?.entries;
  if (!Array.isArray(entries))
    throw new RampartError("ERR_USAGE", "--har: no log.entries (expected a HAR 1.2 file)");
  const out = new Map<string, SeenOperation>();
  for (const entry of (entries as HarEntry[]).slice(0, MAX_HAR_ENTRIES)) {
    const request = entry.request;
    if (!request?.url) continue;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      continue;
    }
    if (!inScope(url)) continue;
    const method = (request.method ?? "GET").toUpperCase();
    const { path, pathValues } = templateOf(url.pathname);
    const key = `${method} ${path}`;
    if (out.has(key)) continue;
    const headers = Object.fromEntries(
      (request.headers ?? []).flatMap((h) =>
        h.name && !h.name.startsWith(":") ? [[h.name, h.value ?? ""]] : [],
      ),
    );
    const cookies = Object.fromEntries(
      (request.cookies ?? []).flatMap((c) => (c.name ? [[c.name, c.value ?? ""]] : [])),
    );
    const post = request.postData;
    const json = post?.text && /json/i.test(post.mimeType ?? "") ? parse(post.text) : undefined;
    const form =
      post && /x-www-form-urlencoded|form-data/i.test(post.mimeType ?? "")
        ? Object.fromEntries(
            post.params?.length
              ? post.params.flatMap((p) => (p.name ? [[p.name, p.value ?? ""]] : []))
              : [...new URLSearchParams(post.text ?? "")],
          )
        : undefined;
    out.set(key, {
      method,
      path,
      server: url.origin,
      pathValues,
      query: Object.fromEntries(url.searchParams),
      headers,
      cookies,
      ...(json !== undefined ? { json } : {}),
      ...(form ? { form } : {}),
      source: "har",
    });
  }
  return [...out.values()].map(toOperation);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
