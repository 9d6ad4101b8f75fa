import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { ItemId } from "../catalog/ids.js";
import type { Identity } from "./auth/verify.js";
import type { OperationContract } from "./contract/contract.js";
import type { GuardMetrics } from "./ops/metrics.js";
import type { PolicyOptionsSpec } from "./policy-options.js";
import type { ResolvedPolicyOptions, RouteFields } from "./registry.js";
import type { GuardStore } from "./stores/store.js";

/**
 * The shapes every guard policy shares. A policy is metadata (id, items, title) plus a factory:
 * the factory validates and compiles its options once, when a route table is built, and returns
 * small hooks that the request path calls without allocating policy objects.
 */

/** A refusal: the guard answers with `application/problem+json` (RFC 9457). */
export interface Rejection {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** The policy that refused, and the checklist items it enforces (metrics, logs). */
  readonly policy: string;
  readonly items: readonly ItemId[];
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * What the refusal says about the client, for detection (MON-05): a forged or `alg: none`
   * token, a login lockout (brute force). Plain refusals have none.
   */
  readonly signal?: Signal;
}

/** Refusals that say something about the client beyond "not allowed". */
export type Signal = "forged-token" | "brute-force" | "rate-limited";

/** What the server reports of every answered request, once (detection, alerts, bans). */
export interface Observation {
  readonly client: string;
  readonly method: string;
  /** The matched route pattern, undefined when none matched (404). */
  readonly route: string | undefined;
  readonly status: number;
  /** The guard's own refusal, when it refused. */
  readonly rejection: Rejection | undefined;
}

/**
 * What outlives a route table: the shared store, detection, logs and metrics. The server owns it;
 * a reload keeps it. Policies reach it through {@link RequestContext.runtime}.
 */
export interface GuardRuntime {
  readonly store: GuardStore;
  readonly logger: Logger;
  readonly metrics: GuardMetrics;
  /** Called once per answered request; must be cheap and never throw. */
  observe(observation: Observation): void;
}

/**
 * What a route looks like once compiled: every option resolved, frozen; the policies' own route
 * keys (`limits`, `lockout`, `scopes`, ...) come from the registry's ROUTE_FIELDS.
 */
export interface RouteSpec extends RouteFields {
  /** The pattern, as written (find-my-way syntax). */
  readonly path: string;
  readonly methods: readonly string[];
  readonly accepts: readonly string[];
  readonly produces: readonly string[];
  readonly public: boolean;
  readonly authentication: "required" | "upstream";
  readonly bodyLimit: number;
  readonly allowFrom: readonly string[] | undefined;
  readonly upstream: string;
  readonly policies: ResolvedPolicyOptions;
  /**
   * The OpenAPI operations this route serves, by method, when the guard has a document
   * (`--openapi`) and validation is not off; empty otherwise.
   */
  readonly operations: ReadonlyMap<string, OperationContract>;
}

/** The per-request state the hooks read; one object per request, created by the server. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly id: string;
  /** Canonical path (what is routed and forwarded) and raw query (with its `?`, or ""). */
  path: string;
  query: string;
  /** Client address after trusted proxies (ACC-05). */
  clientIp: string;
  readonly secure: boolean;
  /** Lower-case media type of the request body without parameters, "" when none. */
  contentType: string;
  hasBody: boolean;
  /** Who the caller is, once the authentication policy verified it. */
  identity: Identity | undefined;
  readonly runtime: GuardRuntime;
  /** Per-request state of policies (slots to release, a login's username), made on first use. */
  locals: Map<string, unknown> | undefined;
}

/** A response as received from the upstream; hooks may edit the headers in place. */
export interface ResponseHead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** What a response-body hook decides: keep, replace the body, or refuse the response. */
export type BodyDecision = undefined | { readonly body: Buffer } | Rejection;

/** The hooks a policy instance contributes; all optional; none may throw on client input. */
export interface PolicyHooks {
  /** The request head; a rejection stops the request. */
  readonly onRequest?: (ctx: RequestContext) => Rejection | undefined;
  /**
   * Checks that need I/O (a JWKS fetch, a shared rate-limit store): run after every synchronous
   * check passed, in policy order. Routes without such a policy never pay for a promise.
   */
  readonly onRequestAsync?: (ctx: RequestContext) => Promise<Rejection | undefined>;
  /** Whether the whole request body must be read to decide (else it streams). */
  readonly wantsRequestBody?: (ctx: RequestContext) => boolean;
  /**
   * A body check: a rejection stops the request; `{ body }` replaces the body that later checks
   * read and the upstream receives (a strip policy); undefined keeps it.
   */
  readonly onRequestBody?: (body: Buffer, ctx: RequestContext) => BodyDecision;
  /** A body check that needs I/O (a lockout lookup by the username in the body). */
  readonly onRequestBodyAsync?: (
    body: Buffer,
    ctx: RequestContext,
  ) => Promise<Rejection | undefined>;
  /**
   * The response head: edit headers; return a byte limit to read the body (a longer body is
   * withheld with 502), a rejection to withhold the response, else undefined.
   */
  readonly onResponseHead?: (
    head: ResponseHead,
    ctx: RequestContext,
  ) => number | Rejection | undefined;
  /**
   * Best-effort inspection: a byte limit up to which the body is read for the body hooks; a
   * longer body is sent on uninspected rather than withheld (a debug trace in a 2xx body).
   */
  readonly peekResponse?: (head: ResponseHead, ctx: RequestContext) => number | undefined;
  readonly onResponseBody?: (body: Buffer, head: ResponseHead, ctx: RequestContext) => BodyDecision;
  /** A response-body hook that needs I/O (storing an exchanged token); runs after the others. */
  readonly onResponseBodyAsync?: (
    body: Buffer,
    head: ResponseHead,
    ctx: RequestContext,
  ) => Promise<BodyDecision>;
  /**
   * Called exactly once when the request is over, whatever happened (answered, refused by any
   * policy, client gone): release slots, count a failed login. `status` is what the client got
   * (0 when it left first). Must not throw.
   */
  readonly onFinish?: (ctx: RequestContext, status: number) => void;
}

/**
 * A guard policy: metadata as data plus its factory.
 *
 * @example
 * ```ts
 * const policy: GuardPolicy = {
 *   id: "example", items: ["IN-01"], title: "example",
 *   create: (route) => ({ onRequest: () => undefined }),
 * };
 * ```
 */
export interface GuardPolicy {
  readonly id: string;
  readonly items: readonly ItemId[];
  /** Short specific description of what the policy does. */
  readonly title: string;
  /**
   * Its section of `policies:` in the config, when it has one: schema, defaults, resolution
   * (policy-options.ts). Listed in the registry's POLICY_OPTIONS, from which the config schema
   * and the route table read it.
   */
  readonly options?: PolicyOptionsSpec;
  /** Builds the hooks for one route; undefined when the policy has nothing to do there. */
  readonly create: (route: RouteSpec) => PolicyHooks | undefined;
}

/** Builds a frozen rejection of a policy (made once, in the factory, not per request). */
export function rejection(
  policy: Pick<GuardPolicy, "id" | "items">,
  status: number,
  title: string,
  detail: string,
  headers?: Readonly<Record<string, string>>,
  signal?: Signal,
): Rejection {
  return Object.freeze({
    status,
    title,
    detail,
    policy: policy.id,
    items: policy.items,
    ...(headers ? { headers: Object.freeze({ ...headers }) } : {}),
    ...(signal ? { signal } : {}),
  });
}
