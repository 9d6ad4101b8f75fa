import { randomBytes } from "node:crypto";
import { RampartError } from "../core/errors.js";
import { loadOpenApiFile, loadOpenApiText } from "../openapi/load.js";
import { listOperations } from "../openapi/operations.js";
import type { LoadedDocument, Operation } from "../openapi/types.js";
import { exampleParameter, exampleValue } from "./examples.js";
import type { Exchange, Observation, ScanHttp, ScanOperation, ScanTarget } from "./types.js";

/** Where APIs commonly publish their OpenAPI document, most common first. */
export const DOCUMENT_PATHS = [
  "/openapi.json",
  "/swagger.json",
  "/v3/api-docs",
  "/openapi.yaml",
  "/.well-known/openapi.json",
  "/swagger/v1/swagger.json",
  "/api/openapi.json",
  "/v2/api-docs",
] as const;

/** OpenID Connect Discovery 1.0 and RFC 8414 metadata documents. */
export const METADATA_PATHS = [
  "/.well-known/openid-configuration",
  "/.well-known/oauth-authorization-server",
] as const;

/** A few paths where APIs without a published document usually answer. */
export const COMMON_PATHS = [
  "/api",
  "/api/v1",
  "/v1",
  "/health",
  "/status",
  "/api/health",
] as const;

/** GET operations sampled for their responses; the rest of the budget is for the checks. */
export const MAX_SAMPLED_OPERATIONS = 30;

export interface DiscoveryOptions {
  /** `--openapi`: a file path or an in-scope URL. */
  readonly openapi?: string;
  readonly cwd: string;
  readonly authenticated: boolean;
  /** The login exchange, when a login recipe ran. */
  readonly login?: Exchange;
}

/**
 * Learns the target before the checks run: reachability (the first request; failure is
 * ERR_TARGET_UNREACHABLE), the OpenAPI document (given, or found at a well-known path), OAuth /
 * OpenID metadata, links in the root document, common paths, and one response per GET operation.
 *
 * @example
 * ```ts
 * const target = await discoverTarget(new URL("http://127.0.0.1:8088"), http, { cwd, authenticated: false });
 * target.operations.length; // 28
 * ```
 */
export async function discoverTarget(
  base: URL,
  http: ScanHttp,
  options: DiscoveryOptions,
): Promise<ScanTarget> {
  const observed: Observation[] = [];
  const urls = new Set<string>();
  const root = await http.send({ url: base });
  observed.push({ source: "root", exchange: root, authenticated: options.authenticated });
  if (options.login)
    observed.push({ source: "login", exchange: options.login, authenticated: false });
  if (root.headers.location) urls.add(new URL(root.headers.location, base).href);

  const state: {
    baseline?: Exchange;
    found?: { document: LoadedDocument; source: string };
    operations: ScanOperation[];
  } = { operations: [] };
  try {
    await explore(base, http, options, root, observed, urls, state);
  } catch (error) {
    // A spent budget ends discovery, not the scan: the checks report what they could not test.
    if (!(error instanceof RampartError && error.code === "ERR_SCAN_BUDGET")) throw error;
  }
  for (const o of observed)
    if (o.exchange.headers.location)
      urls.add(new URL(o.exchange.headers.location, o.exchange.url).href);
  const { baseline, found, operations } = state;

  return {
    base,
    ...(found ? { document: found.document, documentSource: found.source } : {}),
    operations,
    observed,
    authenticated: options.authenticated,
    urls: [...urls],
    ...(baseline ? { baseline } : {}),
  };
}

async function explore(
  base: URL,
  http: ScanHttp,
  options: DiscoveryOptions,
  root: Exchange,
  observed: Observation[],
  urls: Set<string>,
  state: {
    baseline?: Exchange;
    found?: { document: LoadedDocument; source: string };
    operations: ScanOperation[];
  },
): Promise<void> {
  const baseline = await http.trySend({ url: `/rampart-${randomBytes(6).toString("hex")}` });
  if (baseline) state.baseline = baseline;
  const found = options.openapi
    ? await loadGiven(options.openapi, http, options.cwd)
    : await findDocument(http, observed, options.authenticated);

  // Independent probes go out together: against a target that stalls, discovery then costs a
  // few timeouts instead of one per path. What answered is kept even when the budget runs out.
  await each(
    METADATA_PATHS.map((path) => http.trySend({ url: path })),
    (exchange) => {
      const json = exchange && exchange.status === 200 ? parseJson(exchange.body) : undefined;
      if (!exchange || !isObject(json) || typeof json.issuer !== "string") return;
      observed.push({ source: "discovered", exchange, authenticated: options.authenticated });
      for (const value of Object.values(json))
        if (typeof value === "string" && /^https?:\/\//.test(value)) urls.add(value);
    },
  );

  if (found) state.found = found;
  const operations = found ? toScanOperations(found.document, base) : [];
  state.operations = operations;
  if (found) {
    const gets = operations.filter((op) => op.method === "GET").slice(0, MAX_SAMPLED_OPERATIONS);
    const answers = await Promise.all(gets.map((op) => http.trySend({ url: op.url })));
    for (const exchange of answers)
      if (exchange)
        observed.push({ source: "operation", exchange, authenticated: options.authenticated });
  } else {
    const links = [...linksOf(root, http), ...COMMON_PATHS].slice(0, 12);
    await each(
      links.map((url) => http.trySend({ url })),
      (exchange) => {
        if (
          exchange &&
          isJsonResponse(exchange) &&
          exchange.status < 500 &&
          exchange.status !== 404
        )
          observed.push({ source: "discovered", exchange, authenticated: options.authenticated });
      },
    );
  }
}

/** Hands each result to `use` in order once all have settled, then throws the first failure. */
async function each<T>(promises: readonly Promise<T>[], use: (value: T) => void): Promise<void> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === "fulfilled") use(r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

async function loadGiven(
  given: string,
  http: ScanHttp,
  cwd: string,
): Promise<{ document: LoadedDocument; source: string }> {
  if (/^https?:\/\//i.test(given)) {
    if (!http.inScope(given)) {
      throw new RampartError(
        "ERR_USAGE",
        `--openapi ${given} is outside the scan's scope (add its origin with --scope)`,
      );
    }
    const exchange = await http.send({
      url: given,
      headers: { accept: "application/json, application/yaml" },
    });
    if (exchange.status !== 200) {
      throw new RampartError("ERR_USAGE", `--openapi ${given} answered ${exchange.status}`);
    }
    return {
      document: await loadOpenApiText(exchange.body, given, { allowRemoteRefs: false }),
      source: given,
    };
  }
  return { document: await loadOpenApiFile(given, { allowRemoteRefs: false, cwd }), source: given };
}

async function findDocument(
  http: ScanHttp,
  observed: Observation[],
  authenticated: boolean,
): Promise<{ document: LoadedDocument; source: string } | undefined> {
  for (const path of DOCUMENT_PATHS) {
    const exchange = await http.trySend({ url: path });
    if (exchange?.status !== 200 || exchange.truncated) continue;
    // A catch-all answers 200 everywhere: only a body that declares itself OpenAPI counts.
    if (!/["']?(openapi|swagger)["']?\s*:\s*["']?[23]\./.test(exchange.body.slice(0, 2000)))
      continue;
    try {
      const document = await loadOpenApiText(exchange.body, exchange.url, {
        allowRemoteRefs: false,
      });
      observed.push({ source: "document", exchange, authenticated });
      return { document, source: exchange.url };
    } catch {
      // Not a usable document: keep looking.
    }
  }
  return undefined;
}

/** The operations of the document with example values, against the target's base URL. */
export function toScanOperations(document: LoadedDocument, base: URL): ScanOperation[] {
  const prefix = serverPrefix(document, base);
  return listOperations(document).map((op: Operation) => toScanOperation(op, base, prefix));
}

function toScanOperation(op: Operation, base: URL, prefix: string): ScanOperation {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of op.parameters) {
    const value = exampleParameter(p.schema, p.example);
    if (p.in === "path") path = path.replaceAll(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === "query" && p.required) query.set(p.name, value);
  }
  path = path.replace(/\{[^}]+\}/g, "1");
  const search = query.toString();
  const content = op.requestBody?.content ?? [];
  const json = content.find((c) => /[/+]json$/i.test(c.mediaType.split(";")[0]?.trim() ?? ""));
  const example = json ? (json.example ?? exampleValue(json.schema)) : undefined;
  return {
    method: op.method.toUpperCase(),
    path: op.path,
    url: `${base.origin}${prefix}${path}${search ? `?${search}` : ""}`,
    bodyTypes: content.map((c) => c.mediaType),
    ...(example !== undefined ? { exampleBody: JSON.stringify(example) } : {}),
    secured: op.security !== undefined && op.security.length > 0,
    queryParameters: op.parameters.filter((p) => p.in === "query").map((p) => p.name),
    pointer: op.pointer,
  };
}

/** The path prefix of the document's first server when it is on the target's origin. */
function serverPrefix(document: LoadedDocument, base: URL): string {
  const basePath = base.pathname.replace(/\/+$/, "");
  const raw = document.raw;
  let server: string | undefined;
  if (
    Array.isArray(raw.servers) &&
    isObject(raw.servers[0]) &&
    typeof raw.servers[0].url === "string"
  )
    server = raw.servers[0].url;
  else if (typeof raw.basePath === "string") server = raw.basePath;
  if (server === undefined) return basePath;
  try {
    const url = new URL(server.replace(/\{[^}]*\}/g, "x"), base);
    return url.origin === base.origin ? url.pathname.replace(/\/+$/, "") : basePath;
  } catch {
    return basePath;
  }
}

function linksOf(root: Exchange, http: ScanHttp): string[] {
  const links = new Set<string>();
  const json = parseJson(root.body);
  const visit = (value: unknown, depth: number): void => {
    if (depth > 3) return;
    if (typeof value === "string") {
      if (/^\/[^/]/.test(value)) links.add(value);
      else if (/^https?:\/\//.test(value) && http.inScope(value))
        links.add(new URL(value).pathname);
    } else if (Array.isArray(value)) for (const v of value.slice(0, 50)) visit(v, depth + 1);
    else if (isObject(value))
      for (const v of Object.values(value).slice(0, 50)) visit(v, depth + 1);
  };
  if (json !== undefined) visit(json, 0);
  else for (const m of root.body.matchAll(/href="(\/[^"/][^"]*)"/g)) if (m[1]) links.add(m[1]);
  return [...links].slice(0, 8);
}

/** The response declares or contains JSON. */
export function isJsonResponse(exchange: Exchange): boolean {
  const type = exchange.headers["content-type"] ?? "";
  return /[/+]json\b/i.test(type) || parseJson(exchange.body) !== undefined;
}

/** Parses JSON objects and arrays; undefined for anything else. */
export function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
