// The differential suite's world: one guard config, and what each operation of the upstreams
// requires under it. The upstreams (express-upstream.ts, upstream.py) serve the same operations
// and record how they read each request; `violations` compares their reading with what the
// client actually presented to the guard.
import { createHash } from "node:crypto";
import type { GuardConfig } from "../../../src/guard/config/schema.js";

/** The API keys the guard knows: one in the default header, one in a custom header. */
export const API_KEY = "differential-ci-key-0123456789abcdef";
export const PARTNER_KEY = "differential-partner-key-fedcba9876543210";
/** HS256 secret of the one issuer (32 random-looking bytes, base64url). */
export const JWT_SECRET = "c3VpdGUtZGlmZmVyZW50aWFsLWhzMjU2LXNlY3JldC0wMQ";
export const ISSUER = "https://issuer.differential.test";
export const AUDIENCE = "differential-api";
/** The username locked out before any generated request (three failed logins). */
export const LOCKED_USER = "victim";
export const RIGHT_PASSWORD = "right-password";

/** Markers the upstreams plant in answers; none may reach a client. */
export const SECRET_MARKERS = [
  "AKIAQ3EGRJ7X2KZ5N4PB",
  "PRIVATE KEY-----",
  "MIIEvQIBADANBgkqhkiG9w0B",
];
export const STACK_MARKERS = ["/srv/app.js:", "Traceback (most recent call last)", "/srv/app.py"];

/** What an operation of the upstream needs from the client under {@link differentialConfig}. */
export type Requirement =
  | { readonly kind: "public" }
  | { readonly kind: "scope"; readonly scope: string }
  | { readonly kind: "identity" }
  | { readonly kind: "allow-list" }
  | { readonly kind: "login" };

/** Every operation both upstreams serve, "METHOD /route", with its requirement. */
export const OPERATIONS: Readonly<Record<string, Requirement>> = {
  "GET /api/items": { kind: "public" },
  "POST /api/items": { kind: "scope", scope: "items:write" },
  "GET /api/items/:id": { kind: "scope", scope: "items:read" },
  "POST /api/items/:id": { kind: "scope", scope: "items:write" },
  "PUT /api/items/:id": { kind: "scope", scope: "items:write" },
  "PATCH /api/items/:id": { kind: "scope", scope: "items:write" },
  "DELETE /api/items/:id": { kind: "scope", scope: "admin" },
  "GET /admin": { kind: "allow-list" },
  "POST /admin": { kind: "allow-list" },
  "GET /admin/:id": { kind: "allow-list" },
  "DELETE /admin/:id": { kind: "allow-list" },
  "GET /reports": { kind: "identity" },
  "POST /login": { kind: "login" },
  "GET /files/*": { kind: "public" },
};

const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const BODIES = ["application/json", "application/x-www-form-urlencoded"];

/**
 * The guard's config, as the docs describe a typical API: scopes per method, an office-only
 * admin area, a login with lockout, a report that needs any identity, a public catch-all for
 * static files, responses checked for secrets, identity forwarded in headers.
 */
export function differentialConfig(): Omit<GuardConfig, "upstream" | "listen"> {
  return {
    defaults: { policies: { secrets: { mode: "block" } } },
    routes: [
      { path: "/api/items", methods: ["GET"], public: true },
      { path: "/api/items", methods: ["POST"], scopes: ["items:write"], accepts: BODIES },
      { path: "/api/items/:id", methods: ["GET"], scopes: ["items:read"] },
      {
        path: "/api/items/:id",
        methods: ["POST", "PUT", "PATCH"],
        scopes: ["items:write"],
        accepts: BODIES,
      },
      { path: "/api/items/:id", methods: ["DELETE"], scopes: ["admin"] },
      {
        path: "/admin",
        methods: ["GET", "POST"],
        allowFrom: ["10.0.0.0/8"],
        authentication: "upstream",
        accepts: BODIES,
      },
      {
        path: "/admin/:id",
        methods: ["GET", "DELETE"],
        allowFrom: ["10.0.0.0/8"],
        authentication: "upstream",
      },
      { path: "/reports", methods: ["GET"] },
      {
        path: "/login",
        methods: ["POST"],
        public: true,
        accepts: BODIES,
        lockout: {
          username: { json: "/username" },
          maxConsecutiveFailures: 3,
          maxFailuresPerIp: 1_000_000,
          jailSeconds: 86_400,
        },
      },
      // Static files, public: every path no other route claims.
      { path: "/*", methods: ["GET"], public: true, produces: ["*/*"] },
    ],
    auth: {
      issuers: [
        {
          name: "hs",
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ["HS256"],
          key: { secret: JWT_SECRET, secretEncoding: "base64url" },
        },
      ],
      apiKeys: [
        { name: "ci", hash: sha(API_KEY) },
        { name: "partner", hash: sha(PARTNER_KEY), header: "X-Partner-Key" },
      ],
      forward: { subject: "X-Auth-Subject", scopes: "X-Auth-Scopes", apiKey: "X-Auth-Key" },
    },
  };
}

/** How one upstream read one request. */
export interface Reading {
  readonly upstream: "express" | "python";
  /** "METHOD /route" of {@link OPERATIONS}, or "none" when no route matched (404). */
  readonly op: string;
  readonly path: string;
  /** The login's username as the upstream's user lookup reads it (NFKC, trimmed, lower-cased). */
  readonly username?: string | undefined;
  /** Identity headers as the upstream reads them (every spelling it folds into the name). */
  readonly subject: readonly string[];
  readonly scopes: readonly string[];
  readonly apiKeyName: readonly string[];
  /** Values of the API key headers the upstream can read (x-api-key, x-partner-key, any spelling). */
  readonly apiKeys: readonly string[];
  /** Query parameters whose folded name or whose value is a credential. */
  readonly queryCredentials: readonly string[];
  /** The client address the upstream reads (X-Forwarded-For and aliases, else its peer). */
  readonly clientIp: string;
}

/** What the client presented, as the guard is documented to read it. */
export interface Presented {
  /** Scopes of a valid token in the Authorization header; undefined: no valid token there. */
  readonly tokenScopes: readonly string[] | undefined;
  /** Name of the API key sent, valid, in its own header. */
  readonly apiKeyName: string | undefined;
  /** Values of the API key headers as the guard reads them (exact names, any case). */
  readonly keyHeaders: readonly string[];
}

/**
 * Every way `reading` shows a request the guard should not have let through as read: an
 * operation whose requirement the client did not meet, an identity or key the guard did not
 * verify, a credential in the query, a client address the client chose.
 */
export function violations(reading: Reading, presented: Presented): string[] {
  const out: string[] = [];
  const requirement = OPERATIONS[reading.op];
  const verified = presented.tokenScopes !== undefined || presented.apiKeyName !== undefined;
  if (requirement?.kind === "scope" && !presented.tokenScopes?.includes(requirement.scope))
    out.push(`${reading.op} served without scope ${requirement.scope}`);
  if (requirement?.kind === "identity" && !verified)
    out.push(`${reading.op} served without a verified identity`);
  if (requirement?.kind === "allow-list")
    out.push(`${reading.op} served to a client off the allow-list`);
  if (requirement?.kind === "login" && reading.username === LOCKED_USER)
    out.push(`${reading.op} served for the locked-out user`);
  const scopes = presented.tokenScopes?.join(" ");
  for (const s of reading.scopes)
    if (s !== scopes) out.push(`upstream read scopes "${s}", the guard verified "${scopes ?? ""}"`);
  for (const s of reading.subject)
    if (presented.tokenScopes === undefined || s !== "alice")
      out.push(`upstream read subject "${s}" the guard did not verify`);
  for (const k of reading.apiKeyName)
    if (k !== presented.apiKeyName)
      out.push(`upstream read API key name "${k}" the guard did not verify`);
  // On a public route the guard checks no key and forwards it; what matters is that the
  // upstream reads no key the guard did not read (a "_" spelling beside a verified key).
  for (const k of reading.apiKeys)
    if (!presented.keyHeaders.includes(k))
      out.push(`upstream read API key "${k}" the guard did not read`);
  for (const q of reading.queryCredentials)
    out.push(`upstream read a credential in the query: ${q}`);
  if (reading.clientIp !== "127.0.0.1" && reading.clientIp !== "::ffff:127.0.0.1")
    out.push(`upstream read client address ${reading.clientIp}`);
  return out;
}
