import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { RampartError } from "../core/errors.js";
import { loadOpenApiFile, loadOpenApiText } from "../openapi/load.js";
import { listOperations } from "../openapi/operations.js";
import type { LoadedDocument, Operation } from "../openapi/types.js";
import { keepOwnAccount, loginFields } from "./auth/own-account.js";
import { type Deref, exampleParameter, exampleValue } from "./examples.js";
import { crawl } from "./sources/crawl.js";
import { harOperations } from "./sources/har.js";
import { mergeOperations } from "./sources/operation.js";
import { postmanOperations } from "./sources/postman.js";
import type {
  Exchange,
  Observation,
  ScanAuth,
  ScanHttp,
  ScanOperation,
  ScanParameter,
  ScanTarget,
} from "./types.js";

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
  /** `--postman`: a Postman collection (v2.x) file. */
  readonly postman?: string;
  /** `--har`: a HAR 1.2 recording. */
  readonly har?: string;
  /** `--base-path`: where the document's operations are on the target (else its server's path). */
  readonly basePath?: string;
  readonly cwd: string;
  readonly authenticated: boolean;
  /** The login exchange, when a login recipe ran. */
  readonly login?: Exchange;
  /** The scan's authentication, when it has one already. */
  readonly auth?: ScanAuth;
  /**
   * Logs in once the document's operations are known and before they are sampled (zero-config
   * login, `scan.credentials`): the login's answer and the authentication, or undefined.
   */
  readonly authenticate?: (
    operations: readonly ScanOperation[],
  ) => Promise<{ readonly exchange: Exchange; readonly auth: ScanAuth } | undefined>;
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
  given: DiscoveryOptions,
): Promise<ScanTarget> {
  // A zero-config login changes these once the document is known (see explore()).
  const options: { -readonly [K in keyof DiscoveryOptions]: DiscoveryOptions[K] } = { ...given };
  const observed: Observation[] = [];
  const urls = new Set<string>();
  const root = await http.send({ url: base });
  observed.push({ source: "root", exchange: root, authenticated: options.authenticated });
  if (options.login)
    observed.push({ source: "login", exchange: options.login, authenticated: false });
  if (root.headers.location) urls.add(new URL(root.headers.location, base).href);

  const state: {
    baseline?: Exchange;
    found?: FoundDocument;
    operations: ScanOperation[];
    notes: string[];
  } = { operations: [], notes: [] };
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
  if (given.openapi === undefined && found)
    state.notes.unshift(`document found at ${found.source}`);
  const fields = loginFields(observed.find((o) => o.source === "login")?.exchange);

  return {
    base,
    ...(found ? { document: found.document, documentSource: found.source } : {}),
    ...(state.notes.length > 0 ? { notes: state.notes } : {}),
    operations: keepOwnAccount(operations, fields),
    ...(fields.size > 0 ? { loginFields: fields } : {}),
    observed,
    authenticated: options.authenticated,
    ...(options.auth ? { auth: options.auth } : {}),
    urls: [...urls],
    ...(baseline ? { baseline } : {}),
  };
}

async function explore(
  base: URL,
  http: ScanHttp,
  options: { -readonly [K in keyof DiscoveryOptions]: DiscoveryOptions[K] },
  root: Exchange,
  observed: Observation[],
  urls: Set<string>,
  state: {
    baseline?: Exchange;
    found?: FoundDocument;
    operations: ScanOperation[];
    notes: string[];
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
  const documented = found ? listOperations(found.document) : [];
  const where = found ? basePathOf(found.document, base, options.basePath) : undefined;
  const prefix = where?.prefix ?? "";
  if (found && where) state.notes.push(...documentNotes(found, prefix, where.why));
  const deref = found ? derefOf(found.document) : undefined;
  let operations = documented.map((op) => toScanOperation(op, base, prefix, deref));
  state.operations = operations;
  if (options.authenticate) {
    const login = await options.authenticate(operations);
    if (login) {
      options.authenticated = true;
      options.auth = login.auth;
      observed.push({ source: "login", exchange: login.exchange, authenticated: false });
    }
  }
  if (found) {
    const gets = operations.filter((op) => op.method === "GET").slice(0, MAX_SAMPLED_OPERATIONS);
    const answers = await Promise.all(gets.map((op) => http.trySend({ url: op.url })));
    for (const exchange of answers)
      if (exchange)
        observed.push({ source: "operation", exchange, authenticated: options.authenticated });
    // Path parameters filled with values the API itself handed out (an id from a list, a slug
    // from an article): every check then works on objects that exist instead of on "1".
    const known = valuesSeen(observed);
    const failed = new Set(
      answers.flatMap((e, i) => (e && e.status >= 200 && e.status < 300 ? [] : [gets[i]?.url])),
    );
    const resolved: ScanOperation[] = [];
    operations = documented.map((op, i) => {
      const current = operations[i] as ScanOperation;
      if (!/\{[^}]+\}/.test(op.path)) return current;
      const values = pathValues(op, known);
      if (values.size === 0) return current;
      const better = toScanOperation(op, base, prefix, deref, values);
      if (better.method === "GET" && (failed.has(current.url) || !gets.includes(current)))
        resolved.push(better);
      return better;
    });
    state.operations = operations;
    const again = await Promise.all(
      resolved.slice(0, MAX_RESOLVED_OPERATIONS).map((op) => http.trySend({ url: op.url })),
    );
    for (const exchange of again)
      if (exchange)
        observed.push({ source: "operation", exchange, authenticated: options.authenticated });
  }
  if (!found) {
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
  // Beyond the description: a Postman collection, a HAR recording, and what the API links to.
  const imported = [
    ...(options.postman
      ? postmanOperations(
          readSource("--postman", options.postman, options.cwd),
          base.href.replace(/\/$/, ""),
        )
      : []),
    ...(options.har
      ? harOperations(readSource("--har", options.har, options.cwd), (url) => http.inScope(url))
      : []),
  ];
  const importedGets = imported
    .filter((op) => op.method === "GET")
    .slice(0, MAX_SAMPLED_OPERATIONS);
  for (const exchange of await Promise.all(importedGets.map((op) => http.trySend({ url: op.url }))))
    if (exchange)
      observed.push({ source: "operation", exchange, authenticated: options.authenticated });
  const crawled = await crawl(
    http,
    observed.map((o) => o.exchange),
  );
  for (const exchange of crawled.exchanges)
    observed.push({ source: "discovered", exchange, authenticated: options.authenticated });
  state.operations = mergeOperations(operations, imported, crawled.operations);
}

/** Hands each result to `use` in order once all have settled, then throws the first failure. */
async function each<T>(promises: readonly Promise<T>[], use: (value: T) => void): Promise<void> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === "fulfilled") use(r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

interface FoundDocument {
  readonly document: LoadedDocument;
  readonly source: string;
  /** Why the document was used unvalidated: its first departure from the OpenAPI schema. */
  readonly invalid?: RampartError;
}

async function loadGiven(given: string, http: ScanHttp, cwd: string): Promise<FoundDocument> {
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
      ...(await leniently((validate) =>
        loadOpenApiText(exchange.body, given, { allowRemoteRefs: false, validate, tolerant: true }),
      )),
      source: given,
    };
  }
  return {
    ...(await leniently((validate) =>
      loadOpenApiFile(given, { allowRemoteRefs: false, cwd, validate, tolerant: true }),
    )),
    source: given,
  };
}

/**
 * Loads a document, validated; a document that parses but breaks the OpenAPI schema in places
 * (generated ones often do) is used as it is rather than stopping the scan: the scanner needs
 * its paths, not its conformance (`rampart audit` reports that).
 */
async function leniently(
  load: (validate: boolean) => Promise<LoadedDocument>,
): Promise<{ document: LoadedDocument; invalid?: RampartError }> {
  try {
    return { document: await load(true) };
  } catch (error) {
    if (!(error instanceof RampartError && error.code === "ERR_OPENAPI_INVALID")) throw error;
    try {
      return { document: await load(false), invalid: error };
    } catch {
      throw error;
    }
  }
}

async function findDocument(
  http: ScanHttp,
  observed: Observation[],
  authenticated: boolean,
): Promise<FoundDocument | undefined> {
  for (const path of DOCUMENT_PATHS) {
    const exchange = await http.trySend({ url: path });
    if (exchange?.status !== 200 || exchange.truncated) continue;
    // A catch-all answers 200 everywhere: only a body that declares itself OpenAPI counts.
    if (!/["']?(openapi|swagger)["']?\s*:\s*["']?[23]\./.test(exchange.body.slice(0, 2000)))
      continue;
    try {
      const loaded = await leniently((validate) =>
        loadOpenApiText(exchange.body, exchange.url, {
          allowRemoteRefs: false,
          validate,
          tolerant: true,
        }),
      );
      observed.push({ source: "document", exchange, authenticated });
      return { ...loaded, source: exchange.url };
    } catch {
      // Not a usable document: keep looking.
    }
  }
  return undefined;
}

/** Reads a file given on the command line, or says which and why it cannot (ERR_USAGE). */
function readSource(flag: string, file: string, cwd: string): string {
  try {
    return readFileSync(resolvePath(cwd, file), "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new RampartError("ERR_USAGE", `${flag} ${file}: cannot read it (${code})`);
  }
}

/** GET operations re-asked with path values learnt from the API's answers, at most. */
export const MAX_RESOLVED_OPERATIONS = 30;

/**
 * Local references inside a schema (`{"$ref": "#/components/schemas/LoginUser"}`) resolved in
 * the document, so that example bodies have their nested fields instead of a null.
 */
function derefOf(document: LoadedDocument): Deref {
  return (schema) =>
    isObject(schema) && typeof schema.$ref === "string" && schema.$ref.startsWith("#/")
      ? document.resolve(decodeURIComponent(schema.$ref.slice(1)))
      : schema;
}

/**
 * String and integer values of the API's 2xx JSON answers by key (first seen wins), down to a
 * few levels: `slug`, `username`, `id`, and `id` under the array key that holds the object
 * (`articles.id`), so that `/articles/{id}` can be filled from `GET /articles`.
 */
function valuesSeen(observed: readonly Observation[]): Map<string, string> {
  const values = new Map<string, string>();
  const visit = (value: unknown, key: string, parent: string, depth: number): void => {
    if (depth > 5) return;
    if (typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value))) {
      const text = String(value);
      if (text === "" || text.length > 200) return;
      for (const k of [key, `${parent}.${key}`]) if (!values.has(k)) values.set(k, text);
      return;
    }
    if (Array.isArray(value)) for (const v of value.slice(0, 5)) visit(v, key, key, depth + 1);
    else if (isObject(value))
      for (const [k, v] of Object.entries(value).slice(0, 50)) visit(v, k, key, depth + 1);
  };
  for (const { exchange } of observed) {
    if (exchange.status < 200 || exchange.status >= 300) continue;
    const json = parseJson(exchange.body);
    const last = new URL(exchange.url).pathname.split("/").filter(Boolean).at(-1) ?? "";
    if (json === undefined) continue;
    // A page wrapper's one array (`items`, `data`, `results`) holds the collection's objects.
    const arrays = isObject(json) ? Object.values(json).filter(Array.isArray) : [];
    if (arrays.length === 1) visit(arrays[0], last, "", 1);
    visit(json, last, "", 0);
  }
  return values;
}

/**
 * Values for an operation's path parameters from what the API answered: the parameter's own
 * name (`slug`, `username`), or for `id`-like names the id of an object of the collection just
 * before it in the path (`/articles/{id}` takes an id seen under `articles`).
 */
function pathValues(op: Operation, known: ReadonlyMap<string, string>): Map<string, string> {
  const values = new Map<string, string>();
  const segments = op.path.split("/");
  for (const [i, segment] of segments.entries()) {
    const name = /^\{([^}]+)\}$/.exec(segment)?.[1];
    if (!name) continue;
    const collection = segments[i - 1] ?? "";
    const singular = collection.replace(/s$/, "");
    const bare = name.replace(/[-_]?id$/i, "");
    // An id belongs to its collection: the bare name only when nothing more specific is known.
    const idLike = /^(id|_id|uuid|[a-z]+[-_]?id)$/i.test(name);
    const candidates = [
      `${collection}.${name}`,
      ...(idLike
        ? [`${collection}.id`, `${collection}._id`, `${singular}.id`, `${bare}s.id`, `${bare}.id`]
        : [name]),
      ...(idLike && name !== "id" && name !== "_id" ? [name] : []),
    ];
    const value = candidates.map((c) => known.get(c)).find((v) => v !== undefined);
    if (value !== undefined) values.set(name, value);
  }
  return values;
}

function toScanOperation(
  op: Operation,
  base: URL,
  prefix: string,
  deref?: Deref,
  learnt: ReadonlyMap<string, string> = new Map(),
): ScanOperation {
  let path = op.path;
  const query = new URLSearchParams();
  const parameters: ScanParameter[] = [];
  for (const p of op.parameters) {
    const value =
      (p.in === "path" ? learnt.get(p.name) : undefined) ??
      exampleParameter(p.schema, p.example, deref);
    parameters.push({ name: p.name, in: p.in, required: p.required, value });
    if (p.in === "path") path = path.replaceAll(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === "query" && p.required) query.set(p.name, value);
  }
  // Path parameters the document forgot to declare still need a value.
  for (const m of op.path.matchAll(/\{([^}]+)\}/g)) {
    const name = m[1] ?? "";
    if (!parameters.some((p) => p.in === "path" && p.name === name)) {
      const value = learnt.get(name) ?? "1";
      parameters.push({ name, in: "path", required: true, value });
      path = path.replaceAll(`{${name}}`, encodeURIComponent(value));
    }
  }
  path = path.replace(/\{[^}]+\}/g, "1");
  // A path key with a query string in it (`/upload?id={id}`) is invalid OpenAPI that generated
  // documents do contain: the server reads that part as the query, so it goes there.
  const mark = path.search(/[?#]/);
  if (mark !== -1) {
    for (const [k, v] of new URLSearchParams(path.slice(mark + 1).split("#")[0]))
      if (!query.has(k)) query.set(k, v);
    path = path.slice(0, mark);
  }
  const search = query.toString();
  const content = op.requestBody?.content ?? [];
  const json = content.find((c) => /[/+]json$/i.test(c.mediaType.split(";")[0]?.trim() ?? ""));
  const example = json ? (json.example ?? exampleValue(json.schema, 0, deref)) : undefined;
  const full =
    json && json.example === undefined ? exampleValue(json.schema, 0, deref, true) : undefined;
  const fullText = full !== undefined ? JSON.stringify(full) : undefined;
  const form = content.find((c) =>
    /^(application\/x-www-form-urlencoded|multipart\/form-data)$/i.test(
      c.mediaType.split(";")[0]?.trim() ?? "",
    ),
  );
  const formExample = form ? (form.example ?? exampleValue(form.schema, 0, deref)) : undefined;
  const files =
    form && /^multipart\//i.test(form.mediaType) ? fileFieldsOf(form.schema, deref) : [];
  return {
    method: op.method.toUpperCase(),
    path: op.path,
    url: `${base.origin}${prefix}${path}${search ? `?${search}` : ""}`,
    server: `${base.origin}${prefix}`,
    bodyTypes: content.map((c) => c.mediaType),
    ...(example !== undefined ? { exampleBody: JSON.stringify(example) } : {}),
    ...(fullText !== undefined && fullText !== JSON.stringify(example)
      ? { fullExampleBody: fullText }
      : {}),
    ...(isObject(formExample) ? { exampleForm: stringFields(formExample) } : {}),
    ...(files.length > 0 ? { fileFields: files } : {}),
    secured: op.security !== undefined && op.security.length > 0,
    ...(op.tags ? { tags: op.tags } : {}),
    ...(op.security && op.security.length > 0
      ? { scopes: op.security.map((r) => Object.values(r).flat()) }
      : {}),
    queryParameters: op.parameters.filter((p) => p.in === "query").map((p) => p.name),
    parameters,
    pointer: op.pointer,
  };
}

/** What the scan went past in the document, and where its operations were taken to be. */
function documentNotes(found: FoundDocument, prefix: string, why: string): string[] {
  const notes = [`operations under ${prefix || "/"} (${why})`];
  if (found.invalid)
    notes.push(
      `${found.source} breaks the OpenAPI schema (${found.invalid.message}${found.invalid.source ? ` at ${found.invalid.source}` : ""}); used as it is`,
    );
  for (const problem of found.document.problems)
    notes.push(
      `skipped ${problem.source ? `${problem.source}: ` : ""}${problem.message} (${problem.code})`,
    );
  const paths = asPaths(found.document);
  const odd = paths.filter((p) => /[?#]/.test(p));
  if (odd.length > 0)
    notes.push(
      `${odd.length} path${odd.length === 1 ? "" : "s"} of the document hold a query string (${odd.slice(0, 3).join(", ")}): their query part was sent as the query`,
    );
  return notes;
}

function asPaths(document: LoadedDocument): string[] {
  const paths = document.raw.paths;
  return isObject(paths) ? Object.keys(paths).filter((p) => p.startsWith("/")) : [];
}

/**
 * The properties of a multipart schema that take a file: binary strings (OpenAPI 3.0 `format:
 * binary`; 3.1 `contentMediaType` or `contentEncoding`), or arrays of them.
 */
function fileFieldsOf(schema: unknown, deref: Deref | undefined): string[] {
  const resolve = (s: unknown) => (deref ? deref(s) : s);
  const object = resolve(schema);
  if (!isObject(object) || !isObject(object.properties)) return [];
  const binary = (value: unknown): boolean => {
    const s = resolve(value);
    if (!isObject(s)) return false;
    if (s.type === "array") return binary(s.items);
    return (
      s.format === "binary" ||
      typeof s.contentMediaType === "string" ||
      typeof s.contentEncoding === "string"
    );
  };
  return Object.entries(object.properties)
    .filter(([, p]) => binary(p))
    .map(([name]) => name);
}

function stringFields(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v),
    ]),
  );
}

/**
 * The path the document's operations hang under on the target, and why. The document's first
 * server names it whatever its host (a generated document often says `localhost`, or production
 * while staging is scanned): its path applies to the target. A target URL with a path of its own
 * keeps it unless the server's path extends it; `--base-path` overrides both.
 */
export function basePathOf(
  document: LoadedDocument,
  base: URL,
  override?: string,
): { readonly prefix: string; readonly why: string } {
  const basePath = base.pathname.replace(/\/+$/, "");
  if (override !== undefined)
    return { prefix: override.replace(/\/+$/, ""), why: "given with --base-path" };
  const raw = document.raw;
  let server: string | undefined;
  let variables: Record<string, unknown> = {};
  const first = Array.isArray(raw.servers) ? raw.servers[0] : undefined;
  if (isObject(first) && typeof first.url === "string") {
    server = first.url;
    if (isObject(first.variables)) variables = first.variables;
  } else if (typeof raw.basePath === "string") server = raw.basePath;
  if (server === undefined)
    return { prefix: basePath, why: "the document names no server: the target URL's path" };
  // Server variables take their default (OpenAPI 3: `default` is required); the host part does
  // not matter here, a variable left in the path does.
  const filled = server.replace(/\{([^}]*)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === "string" ? variable.default : whole;
  });
  if (/\{/.test(filled.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "")))
    return { prefix: basePath, why: `the document's server ${server} has a path variable` };
  let path: string;
  try {
    path = new URL(filled.replace(/\{[^}]*\}/g, "x"), base).pathname.replace(/\/+$/, "");
  } catch {
    return { prefix: basePath, why: `the document's server "${server}" is not a URL` };
  }
  if (basePath === "" || path === basePath || path.startsWith(`${basePath}/`))
    return { prefix: path, why: `from the document's server ${server}` };
  return {
    prefix: basePath,
    why: `the target URL's path (the document's server ${server} names another; --base-path chooses)`,
  };
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
