import type { IncomingMessage } from "node:http";
import type { ItemId } from "../catalog/ids.js";
import type { ResolvedPolicyOptions } from "./config/schema.js";

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
}

/** What a route looks like once compiled: every option resolved, frozen. */
export interface RouteSpec {
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
  readonly onRequestBody?: (body: Buffer, ctx: RequestContext) => Rejection | undefined;
  /** The response head: edit headers; return a byte limit to read the body, else undefined. */
  readonly onResponseHead?: (head: ResponseHead, ctx: RequestContext) => number | undefined;
  readonly onResponseBody?: (body: Buffer, head: ResponseHead, ctx: RequestContext) => BodyDecision;
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
): Rejection {
  return Object.freeze({
    status,
    title,
    detail,
    policy: policy.id,
    items: policy.items,
    ...(headers ? { headers: Object.freeze({ ...headers }) } : {}),
  });
}
