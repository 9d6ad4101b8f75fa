import { isObject, parseJson } from "../discovery.js";
import { pageForms } from "../html.js";
import type { Exchange, ScanHttp, ScanOperation } from "../types.js";
import { type SeenOperation, templateOf, toOperation } from "./operation.js";
import { documentedIn } from "./page-docs.js";

/** Requests the crawl sends at most (GET only). */
export const MAX_CRAWL_REQUESTS = 40;
/** Script files read for API paths at most. */
export const MAX_SCRIPTS = 4;

/** Links and forms never followed or recorded: a GET that logs out or changes data does harm. */
const UNSAFE = /log-?out|sign-?out|delete|remove|destroy|drop|reset|unsubscribe|disable|revoke/i;
/** Static files: fetched only to read scripts, never operations. */
const STATIC = /\.(css|png|jpe?g|gif|svg|ico|woff2?|ttf|eot|map|pdf|zip|gz|mp4|webp)$/i;
/** API-looking paths inside JavaScript: quoted, absolute, under a usual API root. */
const SCRIPT_PATH =
  /["'`](\/(?:api|v\d+|rest|graphql|auth|admin|users?|accounts?|app)(?:\/[\w\-.{}:$]*)*)["'`]/g;
/** The same roots named in a page's text (documentation pages, help text, error messages). */
const TEXT_PATH =
  /(?:^|[\s>(])(\/(?:api|v\d+|rest|graphql|auth|admin|users?|accounts?|app)(?:\/[\w-]+(?:\.[\w-]+)*)*)(?=[\s<)"'`.,;:!?]|$)/gm;

/** What a crawl found: operations (GET links, forms, script paths) and the pages it read. */
export interface Crawled {
  readonly operations: readonly ScanOperation[];
  readonly exchanges: readonly Exchange[];
}

/**
 * Crawls what the API itself links to, in scope and within {@link MAX_CRAWL_REQUESTS} GETs,
 * breadth first from the answers discovery already has: `<a href>` links, `<form>`s (their
 * method, action and field names, recorded but never submitted), `Location` headers, in-scope
 * paths in JSON answers, API paths in the single-page app's scripts and in pages' text. Links that read like
 * logging out or deleting are neither followed nor recorded.
 *
 * @example
 * ```ts
 * const { operations } = await crawl(http, observed.map((o) => o.exchange));
 * ```
 */
export async function crawl(http: ScanHttp, start: readonly Exchange[]): Promise<Crawled> {
  const operations = new Map<string, SeenOperation>();
  const exchanges: Exchange[] = [];
  const queued = new Set<string>();
  const queue: string[] = [];
  let scripts = 0;
  const enqueue = (raw: string, from: string) => {
    let url: URL;
    try {
      url = new URL(raw, from);
    } catch {
      return;
    }
    url.hash = "";
    if (!http.inScope(url) || UNSAFE.test(url.pathname + url.search)) return;
    const isScript = /\.m?js$/i.test(url.pathname);
    if (STATIC.test(url.pathname)) return;
    if (!isScript) record({ method: "GET", url });
    const key = url.href;
    if (queued.has(key)) return;
    queued.add(key);
    if (isScript) {
      if (scripts++ < MAX_SCRIPTS) queue.unshift(key);
    } else queue.push(key);
  };
  const record = (form: {
    method: string;
    url: URL;
    fields?: Record<string, string>;
    files?: readonly string[];
    json?: unknown;
    values?: Readonly<Record<string, string>>;
  }) => {
    // A form may post anywhere (another origin, a javascript: action): only the API's own count.
    if (!http.inScope(form.url) || UNSAFE.test(form.url.pathname)) return;
    const template = templateOf(form.url.pathname);
    const { path } = template;
    const pathValues = { ...template.pathValues, ...(form.values ?? {}) };
    const method = form.method.toUpperCase();
    const key = `${method} ${path}`;
    if (operations.has(key)) return;
    const query = Object.fromEntries(form.url.searchParams);
    operations.set(key, {
      method,
      path,
      server: form.url.origin,
      pathValues,
      ...(method === "GET"
        ? { query: { ...query, ...(form.fields ?? {}) } }
        : form.json !== undefined || !form.fields
          ? { query, json: form.json ?? {} }
          : { query, form: form.fields, ...(form.files?.length ? { files: form.files } : {}) }),
      source: "crawl",
    });
  };
  const read = (exchange: Exchange) => {
    const from = exchange.url;
    if (exchange.headers.location) enqueue(exchange.headers.location, from);
    const type = exchange.headers["content-type"] ?? "";
    if (/javascript|ecmascript/i.test(type) || /\.m?js$/i.test(new URL(from).pathname)) {
      for (const m of exchange.body.matchAll(SCRIPT_PATH))
        if (m[1] && !m[1].includes("$")) enqueue(m[1].replace(/:(\w+)/g, "{$1}"), from);
      return;
    }
    const json = parseJson(exchange.body);
    if (json !== undefined) {
      for (const path of pathsIn(json)) enqueue(path, from);
      return;
    }
    if (!/html/i.test(type) && !/^\s*</.test(exchange.body)) return;
    for (const m of exchange.body.matchAll(/<a\s[^>]*href\s*=\s*["']([^"'#]+)["']/gi))
      if (m[1] && !/^(mailto|javascript|tel):/i.test(m[1])) enqueue(m[1], from);
    for (const m of exchange.body.matchAll(/<script\s[^>]*src\s*=\s*["']([^"']+)["']/gi))
      if (m[1]) enqueue(m[1], from);
    for (const form of formsIn(exchange.body, from)) record(form);
    for (const m of exchange.body.matchAll(TEXT_PATH)) if (m[1]) enqueue(m[1], from);
    // A page's inline scripts call the API as the application's script files do.
    for (const inline of exchange.body.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi))
      for (const m of (inline[1] ?? "").matchAll(SCRIPT_PATH))
        if (m[1] && !m[1].includes("$")) enqueue(m[1].replace(/:(\w+)/g, "{$1}"), from);
    for (const documented of documentedIn(exchange.body, from)) {
      const url = new URL(documented.url);
      if (documented.method === "GET" && !documented.url.includes("{")) enqueue(url.href, from);
      else record({ ...documented, url });
    }
  };
  for (const exchange of start) read(exchange);
  let sent = 0;
  while (queue.length > 0 && sent < MAX_CRAWL_REQUESTS) {
    const batch = queue.splice(0, 6);
    sent += batch.length;
    const answers = await Promise.all(
      batch.map((url) =>
        http.trySend({ url, headers: { accept: "text/html, application/json, */*" } }),
      ),
    );
    for (const answer of answers) {
      if (!answer) continue;
      exchanges.push(answer);
      if (answer.status < 400) read(answer);
    }
  }
  return { operations: [...operations.values()].map(toOperation), exchanges };
}

/** The forms of a page: method, resolved action and the names and values of their fields. */
function formsIn(
  html: string,
  page: string,
): { method: string; url: URL; fields: Record<string, string>; files: readonly string[] }[] {
  return pageForms(html, page).map((form) => ({
    method: form.method,
    url: form.url,
    fields: Object.fromEntries(form.fields.map((f) => [f.name, f.value || "rampart"])),
    files: form.files,
  }));
}

/** In-scope-looking paths among the string values of a JSON answer (links, `href`s, `next`). */
function pathsIn(json: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 5 || found.length > 50) return;
    if (typeof value === "string") {
      if (/^\/[\w-]/.test(value) && !/\s/.test(value) && value.length < 200) found.push(value);
      else if (/^https?:\/\/\S+$/.test(value)) found.push(value);
    } else if (Array.isArray(value)) for (const v of value.slice(0, 20)) visit(v, depth + 1);
    else if (isObject(value))
      for (const v of Object.values(value).slice(0, 50)) visit(v, depth + 1);
  };
  visit(json, 0);
  return found;
}
