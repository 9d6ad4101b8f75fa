import { readFileSync } from "node:fs";
import type { BlockList } from "node:net";
import FindMyWay from "find-my-way";
import { type Problem, RampartError } from "../../core/errors.js";
import { deepFreeze } from "../../core/validate.js";
import type { SourceDocument } from "../../core/yaml.js";
import type { LoadedDocument, Operation } from "../../openapi/types.js";
import { type Contract, createContract, type OperationContract } from "../contract/contract.js";
import { type ResolvedDetection, resolveDetection } from "../detect/schema.js";
import { withAuthentication } from "../policies/authentication.js";
import { bodyTooLarge } from "../policies/body-limit.js";
import { compileCidrs } from "../policies/ip-allow.js";
import { createNormalizer } from "../policies/normalize.js";
import { globalLimitConflicts } from "../policies/rate-limit.js";
import { createBodyDecoder } from "../policies/request-body.js";
import { createHardener } from "../policies/security-headers.js";
import { withTokenExchange } from "../policies/token-exchange.js";
import type {
  BodyDecision,
  GuardPolicy,
  PolicyHooks,
  Rejection,
  RequestContext,
  ResponseHead,
  RouteSpec,
} from "../policy.js";
import {
  POLICY_DEFAULTS,
  ROUTE_POLICIES,
  resolvePolicyOptions,
  resolveRouteFields,
} from "../registry.js";
import { compileTokens, EDGE_ISSUER_NAME } from "../tokens/edge.js";
import {
  GUARD_DEFAULTS,
  type GuardConfig,
  ROUTE_METHODS,
  type RouteConfig,
  type ServerOptions,
  type UpstreamConfig,
} from "./schema.js";
import { checkTlsMaterial } from "./tls-material.js";

/** A route with its policies instantiated: the hooks of each phase in order, frozen. */
export interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly onRequest: readonly ((ctx: RequestContext) => Rejection | undefined)[];
  readonly onRequestAsync: readonly ((ctx: RequestContext) => Promise<Rejection | undefined>)[];
  readonly bodyChecks: readonly Required<Pick<PolicyHooks, "wantsRequestBody" | "onRequestBody">>[];
  /** Body checks with I/O, run after every synchronous one passed. */
  readonly bodyChecksAsync: readonly Required<
    Pick<PolicyHooks, "wantsRequestBody" | "onRequestBodyAsync">
  >[];
  readonly onFinish: readonly ((ctx: RequestContext, status: number) => void)[];
  readonly onResponseBodyAsync: readonly NonNullable<PolicyHooks["onResponseBodyAsync"]>[];
  readonly onResponseHead: readonly NonNullable<PolicyHooks["onResponseHead"]>[];
  readonly peekResponse: readonly NonNullable<PolicyHooks["peekResponse"]>[];
  readonly onResponseBody: readonly ((
    body: Buffer,
    head: ResponseHead,
    ctx: RequestContext,
  ) => BodyDecision)[];
  /** The rejection for a streamed body that overruns `spec.bodyLimit`. */
  readonly tooLarge: Rejection;
  /** The one reading of a request body that every body check gets and the upstream receives. */
  readonly decodeBody: (raw: Buffer, ctx: RequestContext) => Buffer | Rejection;
}

/** All routes sharing one path pattern, by method, with their precomputed `Allow`. */
export interface PathEntry {
  readonly pattern: string;
  readonly methods: ReadonlyMap<string, CompiledRoute>;
  readonly allow: string;
}

export interface UpstreamSpec {
  readonly name: string;
  readonly origin: string;
  readonly connections: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** TLS towards an https:// upstream; the certificate is always verified (TLS 1.2 or later). */
  readonly tls: UpstreamTls | undefined;
}

/** Contents of the files an upstream's `tls:` names, read when the table is built. */
export interface UpstreamTls {
  /** Trusted in place of the system's authorities. */
  readonly ca: Buffer | undefined;
  /** Client certificate and key for mutual TLS. */
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly serverName: string | undefined;
  /** The files, watched for changes by `rampart guard`. */
  readonly files: readonly string[];
}

export interface Listener {
  readonly host: string;
  readonly port: number;
}

/**
 * Everything the guard needs, built and validated off the request path, then swapped in whole:
 * listeners, upstreams, the compiled router and every route's policy hooks.
 */
export interface RouteTable {
  readonly listen: Listener;
  readonly admin: Listener | undefined;
  /** SHA-256 digest of the admin write endpoints' bearer token; undefined: no write endpoints. */
  readonly adminTokenHash: Buffer | undefined;
  /** `memory`, or the redis:// URL of the shared store (a change needs a restart). */
  readonly store: string;
  readonly storeKeyPrefix: string;
  readonly detection: ResolvedDetection;
  readonly tls:
    | {
        readonly cert: Buffer;
        readonly key: Buffer;
        readonly certFile: string;
        readonly keyFile: string;
        readonly minVersion: "TLSv1.2" | "TLSv1.3";
        readonly httpRedirect: Listener | undefined;
      }
    | undefined;
  readonly server: ServerOptions;
  readonly upstreams: ReadonlyMap<string, UpstreamSpec>;
  readonly trustedProxies: BlockList | undefined;
  readonly routes: readonly CompiledRoute[];
  readonly normalize: (ctx: RequestContext) => Rejection | undefined;
  /** Hardening for the guard's own answers (problems, redirects): no-store always. */
  readonly harden: (headers: ResponseHead["headers"], secure: boolean) => void;
  /** The routes sharing the pattern that matches a canonical path, or undefined (404). */
  match(path: string): PathEntry | undefined;
}

/** The OpenAPI document the guard validates against (`--openapi`), with its operations. */
export interface GuardDocument {
  readonly document: LoadedDocument;
  readonly operations: readonly Operation[];
  /** The path of the document's first server URL, prefixed to its paths ("" when none). */
  readonly basePath: string;
}

/** Where the config came from, for error positions; a config built from flags has none. */
export type ConfigSource = SourceDocument | { readonly source: string; readonly value?: unknown };

/**
 * Builds the route table of a validated `guard:` section. Every problem (unknown upstream,
 * bad CIDR, conflicting routes, unreadable certificate) is reported at once with its path.
 * `policies` defaults to the registered {@link ROUTE_POLICIES}, in request-path order;
 * `weakSecrets` are HMAC secrets refused beside the built-in list (`vocabulary.jwtSecrets`);
 * with `openapi`, each route gets the operations of the document it serves (the positive
 * model: `policies.validation`), and a schema pattern prone to catastrophic backtracking is a
 * problem. Errors: ERR_CONFIG_INVALID.
 *
 * @example
 * ```ts
 * const table = buildRouteTable({ upstream: "http://127.0.0.1:3000", routes: [{ path: "/health", public: true }] });
 * table.match("/health")?.allow; // "GET, HEAD"
 * ```
 */
export function buildRouteTable(
  config: Readonly<GuardConfig>,
  origin: ConfigSource = { source: "<flags>" },
  baseDir = process.cwd(),
  policies: readonly GuardPolicy[] = ROUTE_POLICIES,
  weakSecrets: ReadonlySet<string> = new Set(),
  openapi?: GuardDocument,
): RouteTable {
  const problems: Problem[] = [];
  const at = (path: string, message: string) => problems.push({ path: `/guard${path}`, message });
  const contract = openapi && validates(config) ? documentContract(openapi, at) : undefined;

  const listen = parseHostPort(config.listen ?? GUARD_DEFAULTS.listen);
  const admin = config.admin ? parseHostPort(config.admin.listen) : undefined;
  const adminTokenHash = config.admin?.tokenHash
    ? Buffer.from(config.admin.tokenHash.slice("sha256:".length), "hex")
    : undefined;
  const detection = resolveDetection(config.detection, config.alerts, at);

  const upstreams = new Map<string, UpstreamSpec>();
  const u = GUARD_DEFAULTS.upstream;
  if (config.upstream !== undefined)
    upstreams.set("default", upstreamSpec("default", { url: config.upstream }));
  for (const [name, spec] of Object.entries(config.upstreams ?? {})) {
    if (upstreams.has(name))
      at(`/upstreams/${name}`, `upstream "${name}" is also set by "upstream"`);
    upstreams.set(name, upstreamSpec(name, spec));
  }
  if (upstreams.size === 0) at("", 'missing an upstream: set "upstream" (or --upstream URL)');

  let trustedProxies: BlockList | undefined;
  if (config.trustedProxies) {
    const { list, invalid } = compileCidrs(config.trustedProxies);
    for (const entry of invalid)
      at(
        `/trustedProxies/${config.trustedProxies.indexOf(entry)}`,
        `not an address or CIDR range: "${entry}"`,
      );
    trustedProxies = list;
  }

  let tls: RouteTable["tls"];
  if (config.tls) {
    const certFile = resolvePath(baseDir, config.tls.cert);
    const keyFile = resolvePath(baseDir, config.tls.key);
    const cert = readOrReport(certFile, "/tls/cert", at);
    const key = readOrReport(keyFile, "/tls/key", at);
    checkTlsMaterial(
      {
        ...(cert ? { cert: { pem: cert, path: "/tls/cert" } } : {}),
        ...(key ? { key: { pem: key, path: "/tls/key" } } : {}),
      },
      at,
    );
    if (cert && key)
      tls = {
        cert,
        key,
        certFile,
        keyFile,
        minVersion: config.tls.minVersion ?? GUARD_DEFAULTS.tls.minVersion,
        httpRedirect: config.tls.httpRedirect ? parseHostPort(config.tls.httpRedirect) : undefined,
      };
  }

  const server = { ...GUARD_DEFAULTS.server, ...config.server };
  if (server.headersTimeoutMs > server.requestTimeoutMs)
    at("/server/headersTimeoutMs", "must not exceed requestTimeoutMs");

  const defaults = config.defaults ?? {};
  const router = FindMyWay({
    caseSensitive: true,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: 1000,
  });
  // The same patterns matched whatever the case: Express, ASP.NET and IIS serve "/ADMIN" as
  // "/admin", so a path whose case-folded match is another route than its exact match (a
  // catch-all, or none) is refused rather than given the other route's policies (issue 17).
  const folded = FindMyWay({
    caseSensitive: false,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: 1000,
  });
  let upperCasePatterns = false;
  const entries = new Map<string, { pattern: string; methods: Map<string, CompiledRoute> }>();
  const edge = compileTokens(config.tokens, baseDir, at);
  if (config.tokens && !config.tokens.signingKeyFile && (config.store ?? "memory") !== "memory")
    at(
      "/tokens/signingKeyFile",
      "required with a shared store: every guard process must verify the tokens the others issue",
    );
  (config.routes ?? []).forEach((route, index) => {
    if (route.issuesTokens !== undefined && !config.tokens)
      at(`/routes/${index}/issuesTokens`, "needs guard.tokens (the guard's own token issuer)");
  });
  // The guard's own tokens are verified like any issuer's, with its public key.
  const trusted = edge
    ? [
        {
          name: EDGE_ISSUER_NAME,
          issuer: edge.issuer,
          audience: edge.audience,
          algorithms: ["ES256" as const],
          key: edge.publicKey,
          maxLifetimeSeconds: edge.ttlSeconds,
          path: "/tokens",
        },
      ]
    : [];
  const routePolicies = withTokenExchange(
    withAuthentication(policies, config.auth, baseDir, at, trusted, weakSecrets),
    edge,
  );
  const routes: CompiledRoute[] = [];
  // Static paths declared with their trailing slash: matched as written, never stripped.
  const slashRoutes = new Set<string>();
  (config.routes ?? []).forEach((route, index) => {
    const spec = resolveRoute(
      route,
      defaults,
      upstreams.size > 0 ? upstreams : undefined,
      contract,
      (path, message) => at(`/routes/${index}${path}`, message),
    );
    if (route.path.length > 1 && route.path.endsWith("/")) {
      if (/[:*]/.test(route.path))
        at(
          `/routes/${index}/path`,
          "a pattern with parameters may not end with a trailing slash: requests are routed without it (normalize.trailingSlash)",
        );
      else slashRoutes.add(route.path);
    }
    if (spec.upstream !== "" && upstreams.size > 0 && !upstreams.has(spec.upstream))
      at(`/routes/${index}/upstream`, `unknown upstream "${spec.upstream}"`);
    const compiled = compileRoute(spec, routePolicies, (message) =>
      at(`/routes/${index}`, message),
    );
    if (!compiled) return;
    let entry = entries.get(route.path);
    if (!entry) {
      entry = { pattern: route.path, methods: new Map() };
      try {
        router.on("GET", route.path, noop, entry);
        folded.on("GET", route.path, noop, entry);
        if (/[A-Z]/.test(route.path)) upperCasePatterns = true;
      } catch (error) {
        at(
          `/routes/${index}/path`,
          `invalid or conflicting path pattern: ${(error as Error).message}`,
        );
        return;
      }
      entries.set(route.path, entry);
    }
    for (const method of spec.methods) {
      if (entry.methods.has(method))
        at(`/routes/${index}/methods`, `${method} ${route.path} is declared twice`);
      entry.methods.set(method, compiled);
    }
    // A route that answers GET answers HEAD (RFC 9110 9.3.2), unless HEAD is its own route.
    if (spec.methods.includes("GET") && !entry.methods.has("HEAD"))
      entry.methods.set("HEAD", compiled);
    routes.push(compiled);
  });
  for (const message of globalLimitConflicts(routes.map((r) => r.spec))) at("/routes", message);
  if (problems.length > 0) {
    const document = "position" in origin ? origin : undefined;
    throw new RampartError(
      "ERR_CONFIG_INVALID",
      problems.length === 1 ? "1 problem" : `${problems.length} problems`,
      {
        source: origin.source,
        problems: problems.map((p) => ({ ...p, ...document?.position(p.path) })),
      },
    );
  }
  for (const entry of entries.values()) {
    (entry as { allow?: string }).allow = ROUTE_METHODS.filter((m) => entry.methods.has(m)).join(
      ", ",
    );
    Object.freeze(entry.methods);
  }
  router.compile();
  folded.compile();

  const headerOptions = resolvePolicyOptions(POLICY_DEFAULTS, defaults.policies).headers;
  const table: RouteTable = {
    listen,
    admin,
    adminTokenHash,
    store: config.store ?? GUARD_DEFAULTS.store,
    storeKeyPrefix: config.storeKeyPrefix ?? GUARD_DEFAULTS.storeKeyPrefix,
    detection,
    tls,
    server,
    upstreams,
    trustedProxies,
    routes,
    normalize: createNormalizer(
      resolvePolicyOptions(POLICY_DEFAULTS, defaults.policies).normalize,
      slashRoutes,
    ),
    harden: createHardener(headerOptions, true),
    match(path) {
      const exact = router.find("GET", path)?.store as PathEntry | undefined;
      // Only a path or a pattern with an upper-case letter can match differently folded.
      if (!upperCasePatterns && !/[A-Z]/.test(path)) return exact;
      return folded.find("GET", path)?.store === exact ? exact : undefined;
    },
  };
  return Object.freeze(table);

  function upstreamSpec(name: string, spec: UpstreamConfig): UpstreamSpec {
    return {
      name,
      origin: spec.url.replace(/\/$/, ""),
      connections: spec.connections ?? u.connections,
      headersTimeoutMs: spec.headersTimeoutMs ?? u.headersTimeoutMs,
      bodyTimeoutMs: spec.bodyTimeoutMs ?? u.bodyTimeoutMs,
      keepAliveTimeoutMs: spec.keepAliveTimeoutMs ?? u.keepAliveTimeoutMs,
      tls: spec.tls ? upstreamTls(name, spec.url, spec.tls) : undefined,
    };
  }

  function upstreamTls(
    name: string,
    url: string,
    config: NonNullable<UpstreamConfig["tls"]>,
  ): UpstreamTls | undefined {
    const path = `/upstreams/${name}/tls`;
    if (!url.startsWith("https://"))
      at(path, "TLS settings need an https:// upstream URL (this one is plain http://)");
    if ((config.cert === undefined) !== (config.key === undefined))
      at(path, "cert and key go together: set both for mutual TLS, or neither");
    const files: string[] = [];
    const read = (field: "ca" | "cert" | "key"): Buffer | undefined => {
      const file = config[field];
      if (file === undefined) return undefined;
      const resolved = resolvePath(baseDir, file);
      files.push(resolved);
      return readOrReport(resolved, `${path}/${field}`, at);
    };
    const material = { ca: read("ca"), cert: read("cert"), key: read("key") };
    checkTlsMaterial(
      Object.fromEntries(
        Object.entries(material).flatMap(([field, pem]) =>
          pem ? [[field, { pem, path: `${path}/${field}` }]] : [],
        ),
      ),
      at,
    );
    return { ...material, serverName: config.serverName, files };
  }
}

function noop(): void {}

/** Whether any route validates: the document is not even read for schemas when none does. */
function validates(config: Readonly<GuardConfig>): boolean {
  const global = config.defaults?.policies?.validation?.mode;
  if (global !== "off") return true;
  return (config.routes ?? []).some((r) => (r.policies?.validation?.mode ?? "off") !== "off");
}

function documentContract(
  openapi: GuardDocument,
  at: (path: string, message: string) => void,
): Contract {
  return createContract(openapi.document, openapi.operations, openapi.basePath, (_p, message) =>
    at("/policies/validation", message),
  );
}

/** Per-route options over the `defaults:` section over {@link GUARD_DEFAULTS}. */
function resolveRoute(
  route: RouteConfig,
  defaults: NonNullable<GuardConfig["defaults"]>,
  upstreams: ReadonlyMap<string, UpstreamSpec> | undefined,
  contract: Contract | undefined,
  report: (path: string, message: string) => void,
): RouteSpec {
  const d = GUARD_DEFAULTS.route;
  // First: a lockout's problems are reported before the document's for the same route.
  const fields = resolveRouteFields(route, defaults, report);
  const firstUpstream = upstreams?.has("default")
    ? "default"
    : (upstreams?.keys().next().value ?? "");
  const methods = [...(route.methods ?? defaults.methods ?? d.methods)];
  const policies = resolvePolicyOptions(
    resolvePolicyOptions(POLICY_DEFAULTS, defaults.policies),
    route.policies,
  );
  const operations: ReadonlyMap<string, OperationContract> =
    contract && policies.validation.mode !== "off"
      ? contract.forRoute(route.path, methods)
      : new Map();
  // The operations stay out of deepFreeze: ajv's validators keep their errors on themselves.
  const spec = deepFreeze({
    path: route.path,
    methods,
    accepts: (route.accepts ?? defaults.accepts ?? d.accepts).map((t) => t.toLowerCase()),
    produces: (route.produces ?? defaults.produces ?? d.produces).map((t) => t.toLowerCase()),
    public: route.public ?? defaults.public ?? d.public,
    authentication: route.authentication ?? defaults.authentication ?? d.authentication,
    bodyLimit: route.bodyLimit ?? defaults.bodyLimit ?? d.bodyLimit,
    allowFrom: route.allowFrom ?? defaults.allowFrom,
    upstream: route.upstream ?? firstUpstream,
    policies,
    ...fields,
  });
  return Object.freeze({ ...spec, operations });
}

/** Instantiates every policy for one route; a factory's TypeError is a config problem. */
function compileRoute(
  spec: RouteSpec,
  policies: readonly GuardPolicy[],
  report: (message: string) => void,
): CompiledRoute | undefined {
  const onRequest: CompiledRoute["onRequest"][number][] = [];
  const onRequestAsync: CompiledRoute["onRequestAsync"][number][] = [];
  const bodyChecks: CompiledRoute["bodyChecks"][number][] = [];
  const onResponseHead: CompiledRoute["onResponseHead"][number][] = [];
  const onResponseBody: CompiledRoute["onResponseBody"][number][] = [];
  const peekResponse: CompiledRoute["peekResponse"][number][] = [];
  const bodyChecksAsync: CompiledRoute["bodyChecksAsync"][number][] = [];
  const onFinish: CompiledRoute["onFinish"][number][] = [];
  const onResponseBodyAsync: CompiledRoute["onResponseBodyAsync"][number][] = [];
  let ok = true;
  for (const policy of policies) {
    let hooks: PolicyHooks | undefined;
    try {
      hooks = policy.create(spec);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      report(`${policy.id}: ${error.message}`);
      ok = false;
      continue;
    }
    if (!hooks) continue;
    if (hooks.onRequest) onRequest.push(hooks.onRequest);
    if (hooks.onRequestAsync) onRequestAsync.push(hooks.onRequestAsync);
    if (hooks.wantsRequestBody && hooks.onRequestBody)
      bodyChecks.push({
        wantsRequestBody: hooks.wantsRequestBody,
        onRequestBody: hooks.onRequestBody,
      });
    if (hooks.wantsRequestBody && hooks.onRequestBodyAsync)
      bodyChecksAsync.push({
        wantsRequestBody: hooks.wantsRequestBody,
        onRequestBodyAsync: hooks.onRequestBodyAsync,
      });
    if (hooks.onFinish) onFinish.push(hooks.onFinish);
    if (hooks.onResponseBodyAsync) onResponseBodyAsync.push(hooks.onResponseBodyAsync);
    if (hooks.onResponseHead) onResponseHead.push(hooks.onResponseHead);
    if (hooks.onResponseBody) onResponseBody.push(hooks.onResponseBody);
    if (hooks.peekResponse) peekResponse.push(hooks.peekResponse);
  }
  if (!ok) return undefined;
  return Object.freeze({
    spec,
    onRequest: Object.freeze(onRequest),
    onRequestAsync: Object.freeze(onRequestAsync),
    bodyChecks: Object.freeze(bodyChecks),
    bodyChecksAsync: Object.freeze(bodyChecksAsync),
    onFinish: Object.freeze(onFinish),
    onResponseBodyAsync: Object.freeze(onResponseBodyAsync),
    onResponseHead: Object.freeze(onResponseHead),
    onResponseBody: Object.freeze(onResponseBody),
    peekResponse: Object.freeze(peekResponse),
    tooLarge: bodyTooLarge(spec.bodyLimit),
    decodeBody: createBodyDecoder(spec),
  });
}

/** Parses `host:port` or `[v6]:port`. */
export function parseHostPort(value: string): Listener {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new RampartError("ERR_USAGE", `not a HOST:PORT: "${value}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function resolvePath(baseDir: string, file: string): string {
  return file.startsWith("/") ? file : `${baseDir.replace(/\/$/, "")}/${file}`;
}

function readOrReport(
  file: string,
  path: string,
  at: (path: string, message: string) => void,
): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    at(path, code === "ENOENT" ? `no such file: ${file}` : `cannot read ${file}`);
    return undefined;
  }
}
