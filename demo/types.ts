import type { KeyObject } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthState } from "./auth/state.js";
import type { FlawId } from "./flaws.js";

/** A request as the demo's handlers see it: body fully read, URL parsed. */
export interface DemoRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Remote address of the client. */
  readonly ip: string;
  /** True when the request arrived over TLS. */
  readonly secure: boolean;
  /** Path parameters of the matched route (`/api/orders/:id` -> `{ id }`). */
  readonly params: Readonly<Record<string, string>>;
}

/** What a handler returns; the app serialises `body` (objects as JSON) and adds common headers. */
export interface DemoResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A plain object or array is sent as JSON; a string or Buffer is sent as is. */
  readonly body?: unknown;
  /** Overrides the default `application/json` for string / Buffer bodies. */
  readonly contentType?: string;
}

export type Role = "user" | "admin";

export interface DemoUser {
  readonly id: string;
  readonly username: string;
  /** The demo's users have published passwords: the demo is a target, never a real service. */
  readonly password: string;
  readonly passwordHash: string;
  role: Role;
  email: string;
  displayName: string;
  readonly cardNumber: string;
  readonly apiKey: string;
  /** Set by `POST /admin/users/:id/disable`: a disabled account must no longer authenticate. */
  disabled?: boolean;
}

export interface DemoOrder {
  readonly id: string;
  readonly ownerId: string;
  item: string;
  quantity: number;
  status: "open" | "shipped" | "cancelled";
  readonly createdAt: string;
}

/** Who made a request, once authenticated. */
export interface Principal {
  readonly user: DemoUser;
  readonly scheme: "bearer" | "basic" | "api-key" | "session";
  readonly scopes: readonly string[];
}

export type AuthOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly status: 400 | 401;
      readonly error: string;
      /** Value of WWW-Authenticate for the 401. */
      readonly challenge: string;
    };

export interface DemoKeys {
  /** HS256 secret of access tokens: a well-known weak one with `weak-jwt-secret`, else 64 random bytes. */
  readonly hmacSecret: Uint8Array;
  /** RSA key pair of tokens issued by the OAuth token endpoint; the public half is in the JWKS. */
  readonly rsaPrivateKey: KeyObject;
  readonly rsaPublicKey: KeyObject;
  readonly rsaKid: string;
  /** The JWKS document served at /.well-known/jwks.json. */
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] };
}

export interface DemoStore {
  readonly users: DemoUser[];
  readonly orders: DemoOrder[];
  findUserByUsername(username: string): DemoUser | undefined;
  findUserById(id: string): DemoUser | undefined;
  findUserByApiKey(apiKey: string): DemoUser | undefined;
  /** Next order id: sequential with `sequential-ids`, else a random UUID. */
  nextOrderId(): string;
}

export interface DemoContext {
  readonly flaws: ReadonlySet<FlawId>;
  has(flaw: FlawId): boolean;
  readonly store: DemoStore;
  readonly keys: DemoKeys;
  /** Absolute path of the demo's data folder (the XXE canary lives there). */
  readonly dataDir: string;
  /** Base URL the demo is reachable at (the HTTPS one when TLS is on). */
  baseUrl(): string;
  /** The demo's one clock (ms since the epoch): tokens, sessions, lockouts and rate limits follow it. */
  now(): number;
  /** Sessions, lockout counters and OAuth grants. */
  readonly auth: AuthState;
}

export type AuthRequirement = "none" | "user" | "admin";

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path pattern, `:name` for a parameter: `/api/orders/:id`. */
  readonly path: string;
  readonly auth: AuthRequirement;
  /** Request media types accepted (415 otherwise, unless `no-415`); omit for bodiless routes. */
  readonly accepts?: readonly string[];
  /** Response media types produced; default `["application/json"]` (406 otherwise, unless `no-406`). */
  readonly produces?: readonly string[];
  handler(
    request: DemoRequest,
    context: DemoContext,
    principal: Principal | undefined,
  ): Promise<DemoResponse> | DemoResponse;
}
