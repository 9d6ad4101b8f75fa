import { type Static, type TOptional, Type } from "@sinclair/typebox";
import { PATTERN_MESSAGE, StringEnum } from "../../core/validate.js";
import { AuthSchema } from "../auth/schema.js";
import { AlertsSchema, DetectionSchema } from "../detect/schema.js";
import { Bytes, type Widen } from "../policy-options.js";
import {
  POLICY_DEFAULTS,
  POLICY_OPTIONS,
  type PolicyOptions,
  type ResolvedPolicyOptions,
  ROUTE_FIELDS,
  type RouteOnlyKeys,
} from "../registry.js";
import { TokensSchema } from "../tokens/schema.js";

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
  /** Each policy's options, from the policy that owns them (registry.ts: POLICY_OPTIONS). */
  policies: POLICY_DEFAULTS,
});

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

type OptionsProperties = {
  [O in (typeof POLICY_OPTIONS)[number] as O["key"]]: TOptional<O["schema"]>;
};

/** `policies:` on a route or in `defaults`: each policy's section, from the registry. */
export const PolicyOptionsSchema = Type.Object(
  Object.fromEntries(
    POLICY_OPTIONS.map((options) => [options.key, Type.Optional(options.schema)]),
  ) as OptionsProperties,
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

type RouteFieldProperties = {
  [F in (typeof ROUTE_FIELDS)[number] as F["key"]]: TOptional<F["schema"]>;
};
const routeFieldProperties = Object.fromEntries(
  ROUTE_FIELDS.map((field) => [field.key, Type.Optional(field.schema)]),
) as RouteFieldProperties;

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
    /** The policies' own keys (limits, lockout, scopes, ...), from the registry. */
    ...routeFieldProperties,
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
      Type.Omit(
        RouteSchema,
        [
          "path",
          "upstream",
          ...ROUTE_FIELDS.filter((field) => !field.inDefaults).map((field) => field.key),
        ] as ("path" | "upstream" | RouteOnlyKeys)[],
        { additionalProperties: false },
      ),
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
export type { PolicyOptions, ResolvedPolicyOptions };
/** Server limits and timeouts with every default filled in. */
export type ServerOptions = Widen<typeof GUARD_DEFAULTS.server>;
