import { type Static, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE, StringEnum } from "../../core/validate.js";
import { AuthSchema } from "../auth/schema.js";
import { AlertsSchema, DetectionSchema } from "../detect/schema.js";
import { IssuesTokensSchema, TokensSchema } from "../tokens/schema.js";
import { LimitsSchema } from "./limits-schema.js";
import { LockoutSchema } from "./lockout-schema.js";
import { OAuthAuthorizeSchema } from "./oauth-schema.js";

/**
 * Defaults of the `guard:` section of `rampart.yaml`, all in one place. Each value is the secure
 * choice; loosening one is explicit and visible in the config.
 */
export const GUARD_DEFAULTS = Object.freeze({
  /** Loopback: exposing the guard is a deliberate act. */
  listen: "127.0.0.1:8080",
  server: Object.freeze({
    /** Time a client has to send the request head (slowloris). */
    headersTimeoutMs: 10_000,
    /** Time a client has to send the whole request, body included (slow POST). */
    requestTimeoutMs: 30_000,
    /** An idle keep-alive connection is closed after this long. */
    keepAliveTimeoutMs: 5_000,
    /** Largest request head (Node's own default is the same 16 KiB). */
    maxHeaderBytes: 16 * 1024,
    /** More header lines than this is abuse, not an API client. */
    maxHeaderCount: 100,
    /** Time given to in-flight requests on shutdown before connections are cut. */
    drainTimeoutMs: 10_000,
  }),
  upstream: Object.freeze({
    /** Keep-alive connections per upstream (undici Pool). */
    connections: 128,
    /** The upstream has this long to send its response head. */
    headersTimeoutMs: 30_000,
    /** Longest silence in the upstream response body. */
    bodyTimeoutMs: 30_000,
    /** Idle upstream connections kept this long. */
    keepAliveTimeoutMs: 4_000,
  }),
  /**
   * Where limits, lockouts, revocations and bans live: this process's memory. Several guard
   * processes (`--workers`, several hosts) must share a Redis store to enforce one set of limits.
   */
  store: "memory",
  /** Prefix of every key the guard writes in a shared store. */
  storeKeyPrefix: "rampart:",
  tls: Object.freeze({
    /** TLS 1.0 and 1.1 are broken (RFC 8996). */
    minVersion: "TLSv1.2" as "TLSv1.2" | "TLSv1.3",
    /** With TLS on, the plain listener (if any) only redirects to HTTPS. */
    httpRedirect: undefined as string | undefined,
  }),
  route: Object.freeze({
    /** Only what the route declares is accepted. */
    methods: Object.freeze(["GET"]) as readonly string[],
    accepts: Object.freeze(["application/json"]) as readonly string[],
    produces: Object.freeze(["application/json"]) as readonly string[],
    /** Routes need an authenticated identity unless marked public. */
    public: false,
    /** 1 MiB of request body (EXT-06). */
    bodyLimit: 1024 * 1024,
    /**
     * `required`: the guard itself must authenticate (identity policies, issue 7; until they
     * exist, requests to non-public routes are refused with 401). `upstream`: the upstream
     * authenticates, the guard forwards (an explicit loosening).
     */
    authentication: "required" as "required" | "upstream",
  }),
  policies: Object.freeze({
    normalize: Object.freeze({
      /** Longer request targets are refused with 414. */
      maxUrlLength: 2048,
      /** Deeper paths are refused as ambiguous or abusive. */
      maxSegments: 32,
      /**
       * A path ending in "/" (other than "/") is routed and forwarded without it: most upstreams
       * serve "/p/" as "/p", so the guard applies "/p"'s policies, never those of a sibling
       * "/p/:id" or "/*" that a router would match. `redirect` answers 308 to the path without
       * the slash; `refuse` answers 404. A static route declared with its slash ("/static/")
       * keeps it. Read from `defaults.policies` only: it applies before any route is chosen.
       */
      trailingSlash: "strip" as "strip" | "redirect" | "refuse",
    }),
    queryCredentials: Object.freeze({
      /**
       * Query parameters that carry credentials (IN-05); compared case-insensitively. Names as
       * broad as `key` or `session` are left out: APIs use them for ordinary lookups.
       */
      names: Object.freeze([
        "access_token",
        "id_token",
        "refresh_token",
        "token",
        "jwt",
        "api_key",
        "apikey",
        "api-key",
        "x-api-key",
        "password",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "authorization",
        "sessionid",
        "session_id",
      ]) as readonly string[],
      /** Values that are JWTs are refused whatever the parameter's name. */
      refuseJwtValues: true,
      /**
       * Values shaped like credentials are refused whatever the parameter's name: an
       * Authorization value (`Bearer ...`, `Basic ...`) or a platform key (`sk_live_`, `ghp_`, ...).
       */
      refuseCredentialValues: true,
    }),
    requestBody: Object.freeze({
      /**
       * Content codings a request body may arrive in (RFC 9110 8.4). The guard decodes them
       * within the route's bodyLimit (the decoded size counts), every body policy reads the
       * decoded body, and the upstream receives it decoded. Any other coding is 415.
       */
      encodings: Object.freeze(["gzip", "deflate", "br"]) as readonly ("gzip" | "deflate" | "br")[],
    }),
    json: Object.freeze({
      /** Nesting deeper than this is refused (parser exhaustion); size is the route's bodyLimit. */
      maxDepth: 64,
      /**
       * A body declared as JSON must parse (RFC 8259): refused with 400 at the edge rather than
       * left to an upstream parser that may answer 500 or read it leniently.
       */
      requireValid: true,
    }),
    cookies: Object.freeze({
      /** Scripts never read session cookies (EXT-02). */
      httpOnly: true,
      /** Not sent on cross-site requests; `off` keeps what the upstream set. */
      sameSite: "Lax" as "Strict" | "Lax" | "off",
    }),
    xml: Object.freeze({
      /** DOCTYPE and ENTITY declarations are refused (XXE, PROC-04/05). */
      allowDoctype: false,
    }),
    yaml: Object.freeze({
      /** Alias resolutions allowed in a YAML body (billion laughs). */
      maxAliases: 50,
    }),
    headers: Object.freeze({
      /** One year, subdomains included (RFC 6797); sent on HTTPS only. */
      hsts: "max-age=31536000; includeSubDomains",
      /** An API never renders: nothing may load, nothing may frame it. */
      csp: "default-src 'none'; frame-ancestors 'none'",
      /** Nobody frames an API response (clickjacking). */
      frameOptions: "DENY" as "DENY" | "SAMEORIGIN",
      /** URLs of API calls are not leaked to other sites. */
      referrerPolicy: "no-referrer",
      /** Response headers that reveal the stack (OUT-04), removed from every response. */
      strip: Object.freeze([
        "server",
        "x-powered-by",
        "x-aspnet-version",
        "x-aspnetmvc-version",
        "x-generator",
        "x-runtime",
        "x-version",
        "x-backend-server",
        "x-server",
        "x-drupal-cache",
        "x-drupal-dynamic-cache",
        "x-sourcefiles",
        "x-application-context",
        "x-turbo-charged-by",
        "x-envoy-upstream-service-time",
      ]) as readonly string[],
    }),
    debug: Object.freeze({
      /**
       * Bodies up to this size are inspected for stack traces and debug pages: every error body
       * (a longer one is withheld with 502), and every textual body of another status whose
       * Content-Length is within it. Response headers are inspected always. 0 turns it off.
       */
      maxBytes: 256 * 1024,
    }),
    listing: Object.freeze({
      /** HTML bodies up to this size are inspected for directory indexes. */
      maxBytes: 256 * 1024,
    }),
    secrets: Object.freeze({
      /**
       * Off by default: it buffers every response. `block` answers 502, `redact` rewrites (a
       * binary body with a secret is withheld). Either way every body type and every header is
       * read, compressed bodies decoded, and a client's Range is not forwarded (a partial body
       * cannot be checked; a 206 is withheld).
       */
      mode: "off" as "off" | "block" | "redact",
      /** Larger responses cannot be inspected and are withheld (502) when it is on. */
      maxBytes: 1024 * 1024,
    }),
    responseType: Object.freeze({
      /** Response bodies up to this size are inspected when their type must be corrected. */
      maxBytes: 1024 * 1024,
    }),
    validation: Object.freeze({
      /**
       * The positive security model, with an OpenAPI document (`--openapi`): requests that the
       * document does not allow are refused with 400 (`enforce`), or only logged and counted
       * (`report`, for a first rollout); `off` skips the route. Without a document it does nothing.
       */
      mode: "enforce" as "enforce" | "report" | "off",
      /**
       * A request body property that a closed schema (`additionalProperties: false`) does not
       * declare: refused with 400 (`refuse`), or removed before the body is forwarded (`strip`).
       */
      unknownProperties: "refuse" as "refuse" | "strip",
      /**
       * JSON response properties the response schema does not declare, and `writeOnly` ones:
       * removed (`remove`), the response withheld with 502 (`block`), or only logged (`report`).
       */
      responses: "remove" as "remove" | "block" | "report",
      /**
       * A response status the operation does not declare (nor `default`, nor `4XX`-style): logged
       * and counted (`report`), or replaced with a 502 problem document (`problem`).
       */
      undeclaredStatus: "report" as "report" | "problem",
      /** JSON responses up to this size are filtered; a longer one is withheld (502). */
      maxBytes: 1024 * 1024,
    }),
  }),
});

const Bytes = Type.Integer({ minimum: 0, maximum: 1024 * 1024 * 1024 });
const Ms = Type.Integer({ minimum: 1, maximum: 3_600_000 });
const MediaType = Type.String({
  pattern: "^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+*-]+$",
  [PATTERN_MESSAGE]: "a media type such as application/json",
});
const Cidr = Type.String({ minLength: 2, maxLength: 50 });
/** `host:port`, `[v6]:port`; port 0 picks a free one. */
const HostPort = Type.String({
  // The port from 0 to 65535 in the pattern: a flag and a file get the same error for 99999.
  pattern:
    "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|\\d{1,4})$",
  [PATTERN_MESSAGE]: "a HOST:PORT address such as 127.0.0.1:8080 (port 0 to 65535)",
});

/** Methods a route may declare. TRACE and CONNECT are never proxied (IN-01). */
export const ROUTE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const d = GUARD_DEFAULTS.policies;

export const PolicyOptionsSchema = Type.Object(
  {
    normalize: Type.Optional(
      Type.Object(
        {
          maxUrlLength: Type.Optional(Type.Integer({ minimum: 16, maximum: 65536 })),
          maxSegments: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
          trailingSlash: Type.Optional(
            StringEnum(["strip", "redirect", "refuse"] as const, {
              description:
                "a path ending in / is routed and forwarded without it (strip), answered 308 to that path (redirect) or 404 (refuse); a static route declared with its slash keeps it; read from defaults only",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    queryCredentials: Type.Optional(
      Type.Object(
        {
          names: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 200 })),
          refuseJwtValues: Type.Optional(Type.Boolean()),
          refuseCredentialValues: Type.Optional(
            Type.Boolean({
              description: "refuse values shaped like Bearer / Basic credentials or platform keys",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    requestBody: Type.Optional(
      Type.Object(
        {
          encodings: Type.Optional(
            Type.Array(StringEnum(["gzip", "deflate", "br"] as const), {
              uniqueItems: true,
              description:
                "content codings decoded (the decoded size counts against bodyLimit); others are 415",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    json: Type.Optional(
      Type.Object(
        {
          maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          requireValid: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    cookies: Type.Optional(
      Type.Object(
        {
          httpOnly: Type.Optional(Type.Boolean()),
          sameSite: Type.Optional(StringEnum(["Strict", "Lax", "off"] as const)),
        },
        { additionalProperties: false },
      ),
    ),
    xml: Type.Optional(
      Type.Object({ allowDoctype: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    yaml: Type.Optional(
      Type.Object(
        { maxAliases: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) },
        { additionalProperties: false },
      ),
    ),
    headers: Type.Optional(
      Type.Object(
        {
          hsts: Type.Optional(Type.String({ pattern: "^max-age=\\d+" })),
          csp: Type.Optional(Type.String({ minLength: 1 })),
          frameOptions: Type.Optional(StringEnum(["DENY", "SAMEORIGIN"] as const)),
          referrerPolicy: Type.Optional(Type.String({ minLength: 1 })),
          strip: Type.Optional(Type.Array(Type.String({ pattern: "^[A-Za-z0-9-]+$" }))),
        },
        { additionalProperties: false },
      ),
    ),
    debug: Type.Optional(
      Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
    ),
    listing: Type.Optional(
      Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
    ),
    secrets: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(StringEnum(["off", "block", "redact"] as const)),
          maxBytes: Type.Optional(Bytes),
        },
        { additionalProperties: false },
      ),
    ),
    responseType: Type.Optional(
      Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
    ),
    validation: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(
            StringEnum(["enforce", "report", "off"] as const, {
              description:
                "with an OpenAPI document: refuse what it does not allow (enforce), only log and count it (report), or skip the route (off)",
            }),
          ),
          unknownProperties: Type.Optional(
            StringEnum(["refuse", "strip"] as const, {
              description:
                "a request body property a closed schema does not declare: 400 (refuse) or removed before forwarding (strip)",
            }),
          ),
          responses: Type.Optional(
            StringEnum(["remove", "block", "report"] as const, {
              description:
                "undeclared and writeOnly JSON response properties: removed, the response withheld with 502, or only logged",
            }),
          ),
          undeclaredStatus: Type.Optional(
            StringEnum(["report", "problem"] as const, {
              description:
                "a response status the operation does not declare: logged and counted, or replaced with a 502 problem",
            }),
          ),
          maxBytes: Type.Optional(Bytes),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const UpstreamSchema = Type.Object(
  {
    url: Type.String({
      pattern: "^https?://[^/?#]+/?$",
      [PATTERN_MESSAGE]: "an http:// or https:// origin without a path",
    }),
    connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    headersTimeoutMs: Type.Optional(Ms),
    bodyTimeoutMs: Type.Optional(Ms),
    keepAliveTimeoutMs: Type.Optional(Ms),
    /**
     * TLS towards an https:// upstream: `ca` (PEM file) trusted in place of the system's
     * authorities, `cert` + `key` (PEM files) for mutual TLS, `serverName` checked on the
     * upstream's certificate in place of the URL's host. The certificate is always verified.
     */
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(Type.String({ minLength: 1 })),
          cert: Type.Optional(Type.String({ minLength: 1 })),
          key: Type.Optional(Type.String({ minLength: 1 })),
          serverName: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const RouteSchema = Type.Object(
  {
    /** find-my-way syntax: `/api/orders/:id`, `/static/*`. */
    path: Type.String({
      pattern: "^/",
      maxLength: 2048,
      [PATTERN_MESSAGE]: "a path starting with /",
    }),
    methods: Type.Optional(
      Type.Array(StringEnum(ROUTE_METHODS), { minItems: 1, uniqueItems: true }),
    ),
    accepts: Type.Optional(Type.Array(MediaType, { uniqueItems: true })),
    produces: Type.Optional(Type.Array(MediaType, { minItems: 1, uniqueItems: true })),
    public: Type.Optional(Type.Boolean()),
    authentication: Type.Optional(StringEnum(["required", "upstream"] as const)),
    bodyLimit: Type.Optional(Bytes),
    /** Client addresses or CIDR ranges allowed on this route (ACC-05); absent: everyone. */
    allowFrom: Type.Optional(Type.Array(Cidr, { minItems: 1 })),
    upstream: Type.Optional(Type.String({ minLength: 1 })),
    policies: Type.Optional(PolicyOptionsSchema),
    /** Rate limits (ACC-01, IN-07): quota, spike arrest, concurrency; `false` drops inherited ones. */
    limits: Type.Optional(LimitsSchema),
    /** This route is an OAuth authorization endpoint: its requests are checked (OAUTH-01..03). */
    oauthAuthorize: Type.Optional(OAuthAuthorizeSchema),
    /** Upstream tokens in this route's 2xx JSON answers are exchanged for guard tokens. */
    issuesTokens: Type.Optional(IssuesTokensSchema),
    /** Makes this a login route whose failures lead to a lockout (AUTH-03). */
    lockout: Type.Optional(LockoutSchema),
    /** Scopes the token must all carry (space-separated `scope` or `scp` claim), else 403. */
    scopes: Type.Optional(
      Type.Array(Type.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$" }), {
        maxItems: 64,
        uniqueItems: true,
      }),
    ),
    /** Claims the token must carry, each with one of the values listed, else 403. */
    claims: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 128 }),
        Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { minItems: 1 }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const GuardSchema = Type.Object(
  {
    listen: Type.Optional(HostPort),
    tls: Type.Optional(
      Type.Object(
        {
          cert: Type.String({ minLength: 1 }),
          key: Type.String({ minLength: 1 }),
          minVersion: Type.Optional(StringEnum(["TLSv1.2", "TLSv1.3"] as const)),
          /** A plain listener that only redirects to HTTPS. */
          httpRedirect: Type.Optional(HostPort),
        },
        { additionalProperties: false },
      ),
    ),
    admin: Type.Optional(
      Type.Object(
        {
          listen: HostPort,
          /**
           * SHA-256 of the bearer token that the admin listener's write endpoints (revoke a
           * token, ban or unban a client) require; without it they answer 404.
           */
          tokenHash: Type.Optional(
            Type.String({
              pattern: "^sha256:[0-9a-fA-F]{64}$",
              [PATTERN_MESSAGE]: "sha256:<64 hex digits>",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** `memory` (default) or `redis://[user:password@]host:port[/db]` (also `rediss://`). */
    store: Type.Optional(
      Type.String({
        pattern: "^(memory|rediss?://.+)$",
        [PATTERN_MESSAGE]: "memory or a redis:// URL",
      }),
    ),
    storeKeyPrefix: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9:_.-]{1,64}$" })),
    /** The guard's own short-lived tokens in place of the upstream's (token exchange). */
    tokens: Type.Optional(TokensSchema),
    /** Detection of abuse patterns and automatic bans (MON-05). */
    detection: Type.Optional(DetectionSchema),
    /** Where detected events are sent (MON-03). */
    alerts: Type.Optional(AlertsSchema),
    /** Shorthand for `upstreams: { default: { url } }`. */
    upstream: Type.Optional(
      Type.String({
        pattern: "^https?://[^/?#]+/?$",
        [PATTERN_MESSAGE]: "an http:// or https:// origin without a path",
      }),
    ),
    upstreams: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z0-9_-]+$" }), UpstreamSchema),
    ),
    /** Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges). */
    trustedProxies: Type.Optional(Type.Array(Cidr)),
    server: Type.Optional(
      Type.Object(
        {
          headersTimeoutMs: Type.Optional(Ms),
          requestTimeoutMs: Type.Optional(Ms),
          keepAliveTimeoutMs: Type.Optional(Ms),
          maxHeaderBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 })),
          maxHeaderCount: Type.Optional(Type.Integer({ minimum: 8, maximum: 2000 })),
          drainTimeoutMs: Type.Optional(Ms),
        },
        { additionalProperties: false },
      ),
    ),
    /** Options every route starts from, over {@link GUARD_DEFAULTS}. */
    defaults: Type.Optional(
      Type.Omit(RouteSchema, ["path", "upstream", "lockout", "issuesTokens", "oauthAuthorize"], {
        additionalProperties: false,
      }),
    ),
    routes: Type.Optional(Type.Array(RouteSchema, { maxItems: 10_000 })),
    /** JWT issuers and API keys for routes that are not public (defaults: AUTH_DEFAULTS). */
    auth: Type.Optional(AuthSchema),
  },
  { additionalProperties: false },
);

export type GuardConfig = Static<typeof GuardSchema>;
export type RouteConfig = Static<typeof RouteSchema>;
export type UpstreamConfig = Static<typeof UpstreamSchema>;
export type PolicyOptions = Static<typeof PolicyOptionsSchema>;
type Widen<T> = T extends number
  ? number
  : T extends boolean
    ? boolean
    : T extends readonly string[]
      ? readonly string[]
      : T extends string
        ? T
        : { readonly [K in keyof T]: Widen<T[K]> };

/** Policy options with every default filled in. */
export type ResolvedPolicyOptions = Widen<typeof d>;
/** Server limits and timeouts with every default filled in. */
export type ServerOptions = Widen<typeof GUARD_DEFAULTS.server>;
